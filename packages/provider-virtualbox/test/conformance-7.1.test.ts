/** The conformance kit against the simulator imitating VirtualBox 7.1, locally. */
import { simulatorConformance } from './sim-conformance.js';

simulatorConformance('7.1');
