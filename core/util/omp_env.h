// OpenMP wait policy for machines whose cores are shared (issue 15). libgomp's default lets idle worker
// threads spin (GOMP_SPINCOUNT 300k) before sleeping; when other processes (another run, a compile)
// hold the cores, the spinning threads steal the time slices the working threads need and a 2-thread
// run was measured 14× slower than with OMP_WAIT_POLICY=PASSIVE. libgomp reads the variables once, when
// it is loaded, before main() runs, so setting them in main() is too late: the process re-executes
// itself with them set, and every child process (GUI runs, sweeps) inherits them.
#pragma once

namespace udlab {

// Call first thing in main(). When neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set (the user's
// choice always wins) and UDLAB_OMP_REEXEC is not "0", sets OMP_WAIT_POLICY=PASSIVE and re-executes
// /proc/self/exe with the same argv; returns only when nothing needed doing or exec failed (then the
// run keeps libgomp's default and children still get the variable).
void reexec_with_passive_omp(char** argv);

}  // namespace udlab
