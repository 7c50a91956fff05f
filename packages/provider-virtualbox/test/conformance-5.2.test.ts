/** The conformance kit against the simulator imitating VirtualBox 5.2, locally. */
import { simulatorConformance } from './sim-conformance.js';

simulatorConformance('5.2');
