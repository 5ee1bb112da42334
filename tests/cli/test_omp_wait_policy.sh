#!/usr/bin/env bash
# Issue 15: udlab-cli re-executes itself with OMP_WAIT_POLICY=PASSIVE unless the user chose a policy
# (libgomp reads it before main, so only the re-executed image has it); UDLAB_OMP_REEXEC=0 opts out.
set -u
cli=$1
policy_of() {  # runs a long bench with the given env, prints the OMP_WAIT_POLICY its process image has
  env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$@" "$cli" bench --model lstm --hidden 32 --steps 100000 --no-peak \
    >/dev/null 2>&1 &
  local pid=$! v="" i
  for i in $(seq 50); do
    sleep 0.1
    v=$(tr '\0' '\n' < /proc/$pid/environ 2>/dev/null | sed -n 's/^OMP_WAIT_POLICY=//p')
    [ -n "$v" ] && break
  done
  kill $pid 2>/dev/null; wait $pid 2>/dev/null
  echo "${v:-unset}"
}
fail=0
got=$(policy_of); [ "$got" = PASSIVE ] || { echo "default: expected PASSIVE, got $got"; fail=1; }
got=$(policy_of OMP_WAIT_POLICY=ACTIVE); [ "$got" = ACTIVE ] || { echo "user's ACTIVE: got $got"; fail=1; }
got=$(policy_of UDLAB_OMP_REEXEC=0); [ "$got" = unset ] || { echo "opt-out: expected unset, got $got"; fail=1; }
exit $fail
