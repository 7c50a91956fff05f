/** The conformance kit against the simulator imitating VirtualBox 6.1, locally. */
import { simulatorConformance } from './sim-conformance.js';

simulatorConformance('6.1');
