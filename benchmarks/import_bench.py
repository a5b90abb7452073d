"""Import and export at scale.

Usage::

    .venv/bin/python benchmarks/import_bench.py [--incidents 1000] [--actions 100000] [--repeat 5]

1. A generated Statuspage API document (``incidents.json`` layout) with ``--incidents`` incidents, each
   with a handful of updates, affected components and some with a postmortem, is imported with
   ``python -m tracker --db NEW import statuspage FILE`` into a fresh empty database, against
   ``python -c "import json; json.load(open(FILE))"`` on the same file in the same run: median wall
   times (subprocesses, imports included) and their ratio.
2. ``tracker export toml`` and ``tracker import toml`` of a database with ``--actions`` actions
   (``benchmarks/generate.py``): wall time of each, once (they take seconds), and the check that the
   re-export is byte-identical.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

HERE = Path(__file__).resolve().parent


def statuspage_document(count: int, seed: int = 7) -> dict[str, object]:
    """An ``incidents.json``-shaped document with ``count`` incidents, newest first."""
    rng = random.Random(seed)
    components = [{"id": f"c{n}", "name": f"Component {n}", "group_id": None} for n in range(40)]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    incidents = []
    for n in range(count):
        began = start - timedelta(hours=7 * n + rng.randint(0, 5))
        updates = []
        for step, status in enumerate(["investigating", "identified", "monitoring", "resolved"]):
            at = began + timedelta(minutes=25 * step + rng.randint(0, 10))
            updates.append({
                "id": f"u{n}-{step}", "status": status, "created_at": at.isoformat(), "display_at": at.isoformat(),
                "body": f"Update {step} on incident {n}: the delivery pipeline for region {n % 7} is {status}. "
                        "Messages are queued and will be sent as the backlog drains.",
                "affected_components": [{"code": c["id"], "name": c["name"]} for c in rng.sample(components, 2)],
            })
        updates.reverse()
        postmortem = None
        if n % 10 == 0:
            postmortem = ("Summary\n\nA configuration change slowed delivery.\n\nCorrective and Preventive Actions\n\n"
                          f"- Add a canary for change {n}\n- Alert on queue depth\n")
        incidents.append({
            "id": f"inc{n:05d}", "name": f"Delivery delays in region {n % 7} (#{n})", "status": "resolved",
            "impact": rng.choice(["minor", "major", "critical"]), "created_at": began.isoformat(),
            "started_at": began.isoformat(), "resolved_at": updates[0]["created_at"],
            "shortlink": f"https://stspg.example/inc{n:05d}", "incident_updates": updates,
            "components": rng.sample(components, 3), "postmortem_body": postmortem,
        })
    return {"page": {"id": "p1", "name": "Example Messaging"}, "incidents": incidents}


def timed(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{done.stderr[-2000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = harness.bench_parser(__doc__)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--actions", type=int, default=100_000)
    harness.add_repeat(parser, 5, "timed imports")
    args = harness.parse(parser, argv)
    py = sys.executable

    def bench(folder: Path) -> int:
        env = harness.clean_env(folder / "pycache")
        document = folder / "incidents.json"
        document.write_text(json.dumps(statuspage_document(args.incidents)))
        empty = folder / "empty.db"
        timed([py, "-m", "tracker", "--db", str(empty), "init", "--empty"], env, folder)
        load = [py, "-c", f"import json; json.load(open({str(document)!r}))"]
        imports, loads = [], []
        for round_ in range(args.repeat + 1):
            target = folder / f"import-{round_}.db"
            target.write_bytes(empty.read_bytes())
            command = [py, "-m", "tracker", "--db", str(target), "import", "statuspage", str(document)]
            spent = timed(command, env, folder)
            floor = timed(load, env, folder)
            if round_:
                imports.append(spent)
                loads.append(floor)
        size = document.stat().st_size / 1_048_576
        ratio = statistics.median(imports) / statistics.median(loads)
        print(f"python {sys.version.split()[0]}; {os.cpu_count()} cpus; repeat {args.repeat} (median after a warm-up)")
        print(f"\nStatuspage JSON import: {args.incidents:,} incidents, {size:.1f} MB")
        print(f"  tracker import statuspage  {statistics.median(imports) * 1000:9.1f} ms")
        print(f"  python json.load           {statistics.median(loads) * 1000:9.1f} ms")
        print(f"  ratio                      {ratio:9.2f}")

        big = folder / "big.db"
        timed([py, str(HERE / "generate.py"), "--actions", str(args.actions), "--incidents",
               str(max(args.actions // 50, 5)), "--out", str(big)], env, folder)
        exported = folder / "big.toml"
        t_export = timed([py, "-m", "tracker", "--db", str(big), "export", "toml", str(exported)], env, folder)
        copy = folder / "copy.db"
        t_import = timed([py, "-m", "tracker", "--db", str(copy), "import", "toml", str(exported)], env, folder)
        again = folder / "again.toml"
        timed([py, "-m", "tracker", "--db", str(copy), "export", "toml", str(again)], env, folder)
        same = exported.read_bytes() == again.read_bytes()
        print(f"\nTOML of {args.actions:,} actions ({exported.stat().st_size / 1_048_576:.1f} MB)")
        print(f"  export  {t_export:7.2f} s")
        print(f"  import  {t_import:7.2f} s (into an empty database, one transaction)")
        print(f"  re-export byte-identical: {'yes' if same else 'NO'}")
        return 0 if same else 1

    return harness.in_workdir(bench, prefix="tracker-import-bench-")


if __name__ == "__main__":
    sys.exit(main())
