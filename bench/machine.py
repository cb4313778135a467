"""What the numbers were measured on: CPU model and cores from /proc/cpuinfo, OS, Python."""

import os
import platform
from pathlib import Path

# Instruction-set extensions that decide how fast float32 matmul can go on x86.
VECTOR_FLAGS = (
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512_bf16",
    "avx512_fp16",
    "amx_tile",
    "amx_bf16",
    "asimd",
    "sve",
)


# Floating-point datapath per core, by (vendor, family, model range): the vector width the FMA
# units work on, how many FMA units there are, and where that comes from. The clock is the
# nominal frequency the kernel reports (under a hypervisor, the TSC frequency); the real clock
# under load may be higher (boost) or lower, which the page says.
MICROARCHITECTURES = (
    {
        "vendor": "AuthenticAMD",
        "family": 25,
        "models": range(0x10, 0x20),
        "name": 'AMD Zen 4 (EPYC 9004 "Genoa")',
        "vector_bits": 256,
        "fma_units": 2,
        "source": (
            "AMD, Software Optimization Guide for the AMD Zen4 Microarchitecture, publication 57647 "
            "(https://docs.amd.com/v/u/en-US/57647_zen4_sog_1.01): two 256-bit FMA pipes per core; "
            "a 512-bit AVX-512 instruction executes as two 256-bit halves, so AVX-512 does not "
            "double the FMA throughput"
        ),
    },
)


def fp32_peak(cpuinfo: str | None = None) -> dict:
    """The theoretical float32 peak of one core: FMA units x (vector bits / 32) x 2 FLOP x clock."""
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    fields = {}
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    try:
        vendor, family, model = fields.get("vendor_id"), int(fields["cpu family"]), int(fields["model"])
        mhz = float(fields["cpu MHz"])
    except (KeyError, ValueError):
        vendor, family, model, mhz = None, 0, 0, 0.0
    for arch in MICROARCHITECTURES:
        if arch["vendor"] == vendor and arch["family"] == family and model in arch["models"]:
            lanes = arch["vector_bits"] // 32
            ghz = round(mhz / 1000, 3)
            return {
                "microarchitecture": arch["name"],
                "cpu_family_model": f"family {family}, model {model}",
                "vector_bits": arch["vector_bits"],
                "fma_units": arch["fma_units"],
                "ghz": ghz,
                "clock_source": "nominal clock from /proc/cpuinfo (cpu MHz); the exact SKU is not reported",
                "gflops_per_core": round(arch["fma_units"] * lanes * 2 * ghz, 1),
                "source": arch["source"],
            }
    return {
        "microarchitecture": "unknown",
        "vector_bits": 256,
        "fma_units": 2,
        "ghz": round(mhz / 1000, 3) or 1.0,
        "clock_source": "assumed: this CPU is not in bench/machine.py's table",
        "gflops_per_core": round(2 * 8 * 2 * (mhz / 1000 or 1.0), 1),
        "source": "assumed: two 256-bit FMA units, as most x86 server cores since 2013",
    }


def cpu_info(cpuinfo: str | None = None) -> dict:
    if cpuinfo is None:
        path = Path("/proc/cpuinfo")
        cpuinfo = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    model, flags = None, set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("model name", "Model", "cpu model") and model is None:
            model = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
    return {
        "cpu_model": model or platform.processor() or "unknown",
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "vector_flags": [f for f in VECTOR_FLAGS if f in flags],
    }


def memory_gib() -> float | None:
    path = Path("/proc/meminfo")
    if not path.exists():
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return None


def machine() -> dict:
    return {
        **cpu_info(),
        "fp32_peak": fp32_peak(),
        "memory_gib": memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "gpu": "none used: every number on the page is CPU-only",
    }
