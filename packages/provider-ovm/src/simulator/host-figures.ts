/** Figures of the simulated pool master, shared by the web services and the dom0 shims. */

// modelled: every figure below (the real ones come from the hardware)
/** The server's id in the Manager. */
export const SERVER_ID = 1;
/** The pool's id in the Manager. */
export const POOL_ID = 1;
/** Physical memory in MiB. */
export const HOST_MEMORY_MIB = 8192;
/** Memory of Domain-0 in MiB. */
export const DOM0_MEMORY_MIB = 512;
/** Physical CPUs (also Domain-0's VCPUs). */
export const HOST_CPUS = 2;
/** CPU clock in MHz. */
export const CPU_MHZ = 2400;
/** Share of one CPU a simulated guest uses (2 %, contract "state file"). */
export const GUEST_CPU_SHARE = 0.02;
/** CPU seconds a simulated guest spends booting (contract "state file"). */
export const GUEST_BOOT_CPU_SECONDS = 0.5;
/** Share of one CPU Domain-0 uses. */
export const DOM0_CPU_SHARE = 0.05;
