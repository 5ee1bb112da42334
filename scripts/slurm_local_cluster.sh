#!/usr/bin/env bash
# A one-node Slurm cluster on localhost inside one directory, for tests and for trying the Slurm
# launcher on a laptop: munged with a generated key, slurmctld and slurmd from a generated slurm.conf
# (no cgroups, no accounting daemon, every state/spool/log file under DIR).
#   scripts/slurm_local_cluster.sh start DIR   prints `export SLURM_CONF=DIR/slurm.conf`; exit 2 (with
#                                              the reason on stderr) when a daemon cannot start
#   scripts/slurm_local_cluster.sh stop DIR    stops the daemons it started (by their pid files)
# Needs root (SlurmUser=root) and the Debian packages slurmctld, slurmd, slurm-client and munge.
set -u
cmd="${1:?start|stop}"
dir="$(cd "${2:?DIR}" && pwd)"
# Ports from a hash of DIR, so two clusters (two test runs) on one machine do not collide.
base=$(( 20000 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 20000 ))

stop() {
  local f pid pids=()
  for f in slurmd slurmctld munged; do
    [ -s "$dir/$f.pid" ] || continue
    pid=$(cat "$dir/$f.pid")
    kill "$pid" 2>/dev/null && pids+=("$pid")
    rm -f "$dir/$f.pid"
  done
  # All at once, then up to 5 s for them to go; what is left is killed.
  for _ in $(seq 50); do
    local left=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
    [ "$left" = 0 ] && return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  return 0
}
[ "$cmd" = stop ] && { stop; exit 0; }
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 1; }

why() { echo "slurm_local_cluster: $*" >&2; stop; exit 2; }
for p in munged slurmctld slurmd sbatch squeue scancel; do
  command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] || why "$p is not installed (scripts/setup.sh installs slurmctld slurmd slurm-client munge)"
done
[ "$(id -u)" -eq 0 ] || why "needs root (SlurmUser=root; munged and slurmd run as root here)"
export PATH="$PATH:/usr/sbin"
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 700 "$dir/munge"
head -c 1024 /dev/urandom >"$dir/munge/munge.key"
chmod 400 "$dir/munge/munge.key"
munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed" \
  || why "munged did not start: $(tail -1 "$dir/munged.log" 2>/dev/null)"
host=udlabnode
cpus=$(nproc)
cat >"$dir/slurm.conf" <<CONF
ClusterName=udlabtest
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
NodeName=$host NodeHostname=$(hostname -s) NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -i >"$dir/slurmctld.out" 2>&1 || why "slurmctld did not start: $(tail -1 "$dir/slurmctld.log" 2>/dev/null)"
slurmd -N "$host" >"$dir/slurmd.out" 2>&1 || why "slurmd did not start: $(tail -1 "$dir/slurmd.log" 2>/dev/null)"
# Up when the node is idle (slurmd registered with slurmctld).
for _ in $(seq 150); do
  state=$(sinfo -h -n "$host" -o %t 2>/dev/null)
  [ "$state" = idle ] && { echo "export SLURM_CONF=$dir/slurm.conf"; exit 0; }
  sleep 0.2
done
why "the node did not come up within 30 s (state '${state:-none}'): $(tail -2 "$dir/slurmctld.log" "$dir/slurmd.log" 2>/dev/null | tr '\n' ' ')"
