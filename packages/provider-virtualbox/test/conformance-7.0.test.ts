/** The conformance kit against the simulator imitating VirtualBox 7.0, locally, with the LOGNAME warning before its version. */
import { simulatorConformance } from './sim-conformance.js';

simulatorConformance('7.0', { VBOXSIM_WARN_USER: '1' });
