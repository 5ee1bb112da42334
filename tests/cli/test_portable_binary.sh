#!/usr/bin/env bash
# A portable build (core/backend/cpu/cpu_isa.h) must start on any x86-64: its AVX2/AVX-512 copies of the
# CPU ops must stay private to their kernel path. If the linker had merged one copy's Eigen or std::
# template code with the baseline's (same mangled names), a global symbol would carry ymm/zmm
# instructions and baseline code would call it: SIGILL on an older CPU. So: no function with a global or
# weak symbol may use ymm/zmm registers (libxsmm, which checks the CPU itself, aside), while the
# private copies do use them. Skips (77) in a -DUDLAB_NATIVE=ON build. Usage: test_portable_binary.sh CLI
set -euo pipefail
CLI=$1
if [ "$(nm "$CLI" | grep -c "isa_avx512" || true)" = 0 ]; then
  echo "skip: $CLI has no per-ISA kernel copies (a -DUDLAB_NATIVE=ON or non-x86 build)"
  exit 77
fi
python3 - "$CLI" <<'EOF'
import re, subprocess, sys
exe = sys.argv[1]
binding = {}
for line in subprocess.run(["nm", exe], capture_output=True, text=True, check=True).stdout.splitlines():
    f = line.split()
    if len(f) == 3 and f[1] in "TtWw":
        binding.setdefault(int(f[0], 16), []).append((f[1], f[2]))
bad, private_avx = [], {"ymm": 0, "zmm": 0}
fn_addr, fn_regs = None, set()
def close():
    if fn_addr is None or not fn_regs:
        return
    syms = binding.get(fn_addr, [])
    if any(k in "TW" for k, _ in syms):
        names = [n for _, n in syms]
        if not any(n.startswith(("libxsmm", "internal_")) for n in names):
            bad.append(names[0])
    else:
        for r in fn_regs:
            private_avx[r] += 1
dis = subprocess.Popen(["objdump", "-d", "--no-show-raw-insn", exe], stdout=subprocess.PIPE, text=True)
head = re.compile(r"^([0-9a-f]+) <(.*)>:$")
for line in dis.stdout:
    m = head.match(line)
    if m:
        close()
        fn_addr, fn_regs = int(m.group(1), 16), set()
    elif "%ymm" in line or "%zmm" in line:
        fn_regs.add("zmm" if "%zmm" in line else "ymm")
close()
dis.wait()
print(f"private functions using ymm: {private_avx['ymm']}, zmm: {private_avx['zmm']}")
if bad:
    print(f"FAIL: {len(bad)} global functions use AVX registers (a kernel copy leaked):")
    for n in bad[:20]:
        print("  " + subprocess.run(["c++filt", n], capture_output=True, text=True).stdout.strip())
    sys.exit(1)
if private_avx["zmm"] == 0 or private_avx["ymm"] == 0:
    print("FAIL: no private AVX2/AVX-512 code: the kernel copies were not compiled for their ISA")
    sys.exit(1)
print("ok: no global symbol carries AVX code outside libxsmm")
EOF
