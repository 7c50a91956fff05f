/** The conformance kit against the simulator imitating VirtualBox 4.3, locally. */
import { simulatorConformance } from './sim-conformance.js';

simulatorConformance('4.3');
