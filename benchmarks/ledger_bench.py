"""The team ledger at 100,000 operations: full rebuild, incremental apply, sync against plain git, size.

Usage::

    .venv/bin/python benchmarks/ledger_bench.py [--ops 100000] [--repeat 5] [--keep]

In a temporary folder it makes a bare remote and writes a ledger of ``--ops`` operations to it, spread
over two years the way a team makes them (40 causes; incidents with components, causes, timeline
entries and status changes; actions with owners, statuses and due dates, each numbered), in commits
of 5,000 operations. Then, with every ``tracker`` run a subprocess (wall clock, imports included,
``TRACKER_TODAY=2026-11-23``, bytecode cached under the temporary folder, git configured there):

- **join**: ``tracker ledger sync`` in a fresh clone: makes the replica and applies everything (once);
- **rebuild**: ``tracker ledger rebuild`` in that clone;
- **incremental apply**: another clone pushes 100 new operations, the reader runs ``git fetch``
  (not timed), then ``tracker actions list --limit 1`` is timed: it applies the 100 operations first.
  Against it: the same command with nothing new (the no-op command). Goal: ratio <= 1.5;
- **sync**: a clone with 100 operations made locally runs ``tracker ledger sync`` (fetch, apply,
  number, commit, push). Against it: ``git fetch`` (bringing the tracker's last sync) + ``git push`` of a
  commit adding 100 operation files, prepared beforehand in a plain clone (pushed to a ref of its own,
  so the tracker has nothing extra to apply). Goal: ratio <= 2.0;
- **size**: the remote's packed size after ``git gc``.

Samples are interleaved (one warm-up each, then ``--repeat`` rounds); medians are printed.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import harness
from harness import BenchError

GOAL_INCREMENTAL = 1.5
GOAL_SYNC = 2.0
START = datetime(2024, 11, 23, tzinfo=UTC)
STAMP = "%Y-%m-%dT%H:%M:%S.000000+00:00"
NEW_OPS = 100


def _git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"git {' '.join(args)}: {done.stderr.strip()[-500:]}")
    return done.stdout


def generate(count: int, rng: random.Random) -> list[Any]:
    """About ``count`` operations of a team's two years, in clock order."""
    from tracker.repo.ledger.format import make_op, new_ulid
    from tracker.repo.ledger.hlc import Stamp

    replicas = [f"{n:02d}" + "bench" + "x" * 9 for n in range(10)]
    ops: list[Any] = []
    span = 730 * 86_400_000
    serial = [0]

    class _At:
        def __init__(self, moment: datetime) -> None:
            self.moment = moment

        def now(self) -> datetime:
            return self.moment

    def emit(kind: str, type_: str, entity: str, at_ms: int, replica: str, **fields: Any) -> Any:
        serial[0] += 1
        moment = START + timedelta(milliseconds=at_ms)
        op = make_op(kind, type_, entity, clock=Stamp(int(START.timestamp() * 1000) + at_ms, serial[0] % 1000),
                     replica=replica, actor=f"{replica[:2]}@example.com", wall=moment.strftime(STAMP), **fields)
        ops.append(op)
        return op

    def uid(at_ms: int) -> str:
        return new_ulid(_At(START + timedelta(milliseconds=at_ms)))  # type: ignore[arg-type]

    causes = []
    for n in range(40):
        cause = uid(n)
        causes.append(cause)
        emit("create", "cause", cause, n, replicas[0], value={"slug": f"cause-{n:02d}", "title": f"Cause {n}"})
    incidents = max(1, count * 40 // 100 // 16)
    actions = max(1, count * 60 // 100 // 5)
    incident_ids = []
    for n in range(incidents):
        at = rng.randrange(1000, span - 10 * 86_400_000)
        who = rng.choice(replicas)
        incident = uid(at)
        incident_ids.append((incident, at))
        started = START + timedelta(milliseconds=at - 3_600_000)
        made = emit("create", "incident", incident, at, who, value={
            "title": f"Incident {n}", "status": "resolved", "kind": "incident", "severity": rng.choice(
                ["SEV1", "SEV2", "SEV3", "SEV4"]), "started_at": started.strftime(STAMP),
            "detected_at": started.strftime(STAMP), "resolved_at": (started + timedelta(minutes=50)).strftime(STAMP)})
        emit("assign_key", "incident", incident, at + 1, who, value=n + 1)
        for part in rng.sample(["API", "Web", "Queue", "Search", "Mail"], 2):
            emit("link", "incident", incident, at + 2, who, field="components", value=f"Core / {part}")
        for cause in rng.sample(causes, rng.randint(1, 2)):
            emit("link", "incident", incident, at + 3, who, field="causes",
                 value={"cause": cause, "role": rng.choice(["root", "trigger", "contributing"]), "note": ""})
        for k in range(4):
            entry = uid(at + 10 + k)
            emit("create", "timeline", entry, at + 10 + k, who, parent=incident, value={
                "at": (started + timedelta(minutes=10 * k)).strftime(STAMP), "label": "Update",
                "body": f"Step {k} of incident {n}"})
            emit("assign_key", "timeline", entry, at + 10 + k, who, parent=incident, value=n * 4 + k + 1)
        later = at + rng.randrange(3_600_000, 5 * 86_400_000)
        emit("set", "incident", incident, later, rng.choice(replicas), field="summary",
             value=f"What happened in incident {n}", prev=[made.id])
        emit("set", "incident", incident, later + 1, rng.choice(replicas), field="status", value="postmortem",
             prev=[made.id])
    for n in range(actions):
        incident, incident_at = rng.choice(incident_ids)
        at = incident_at + rng.randrange(86_400_000, 9 * 86_400_000)
        who = rng.choice(replicas)
        action = uid(at)
        due = (START + timedelta(milliseconds=at) + timedelta(days=rng.randint(15, 60))).date().isoformat()
        made = emit("create", "action", action, at, who, value={
            "title": f"Action {n}", "status": "open", "kind": rng.choice(["prevent", "detect", "mitigate"]),
            "priority": rng.choice(["P1", "P2", "P3"]), "due": due, "incident": incident,
            "root_cause": rng.choice(causes), "owner": None})
        emit("assign_key", "action", action, at + 1, who, value=n + 1)
        for k, (field, value) in enumerate([("owner", f"team-{rng.randint(0, 19):02d}"),
                                            ("status", rng.choice(["in_progress", "done", "blocked"])),
                                            ("priority", rng.choice(["P1", "P2", "P3"]))]):
            emit("set", "action", action, at + 3_600_000 * (k + 1), rng.choice(replicas), field=field, value=value,
                 prev=[made.id], note="blocked on vendor" if value == "blocked" else "")
    ops.sort(key=lambda op: op.order)
    return ops


def write_ledger(seed: Path, ops: list[Any], env: dict[str, str]) -> None:
    """The operations as commits of 5,000 on the remote's ledger ref."""
    from tracker.repo import gitsync
    from tracker.repo.ledger.format import format_file

    git_dir = seed / ".git"
    parent = None
    for start in range(0, len(ops), 5000):
        files = [(op.path, op.raw) for op in ops[start:start + 5000]]
        if parent is None:
            files.append(("FORMAT", format_file()))
        parent = gitsync.write_commit(git_dir, parent=parent, files=files, message="bench ledger\n",
                                      identity=("Bench", "bench@example.com"), when=datetime.now(UTC),
                                      scratch_ref="refs/tracker/build", marks=git_dir / "bench.marks")
    _git(seed, "push", "-q", "origin", f"{parent}:refs/tracker/ledger", env=env)


def make_pending(clone: Path, count: int, env: dict[str, str]) -> None:
    """``count`` operations made in a clone and not synced (set ops on existing actions, as edits make)."""
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from tracker.config import Settings\nfrom tracker.repo.ledger.service import TeamLedger\n"
        "from tracker.repo.ledger.format import make_op\nfrom tracker.base.timeutil import format_stamp\n"
        "db, r = TeamLedger(Settings(), 'bench@example.com', Path(sys.argv[1])).open()\n"
        "rows = db.rows(\"SELECT uid, state FROM ledger_entity WHERE type = 'action' AND local_id IS NOT NULL"
        " ORDER BY random() LIMIT :n\", {'n': int(sys.argv[2])})\n"
        "import json\nops = []\n"
        "with db.write():\n"
        "    for uid, state in rows:\n"
        "        heads = json.loads(state)['fields']['owner']['h']\n"
        "        ops.append(make_op('set', 'action', uid, clock=r.tick(), replica=r.replica_id, field='owner',"
        " value='bench-' + uid[-4:].lower(), prev=heads, actor=r.actor, wall=format_stamp(r.clock.now())))\n"
        "    r.take(ops, published=False)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(clone), str(count)], env=env, capture_output=True,
                          text=True, cwd=clone)
    if done.returncode != 0:
        raise BenchError(f"making pending operations: {done.stderr.strip()[-1500:]}")


def plain_commit(clone: Path, count: int, rng: random.Random, env: dict[str, str]) -> str:
    """A commit adding ``count`` operation files to the ledger as this plain clone last fetched it."""
    from tracker.repo import gitsync
    from tracker.repo.ledger.format import make_op, new_replica_id, new_ulid
    from tracker.repo.ledger.hlc import Stamp

    tip = _git(clone, "rev-parse", "refs/plain/seen", env=env).strip()
    replica = new_replica_id()
    now = int(time.time() * 1000)

    class _Now:
        def now(self) -> datetime:
            return datetime.now(UTC)

    files = []
    for n in range(count):
        op = make_op("comment", "action", new_ulid(_Now()), clock=Stamp(now, n), replica=replica,  # type: ignore[arg-type]
                     note=f"plain {rng.random()}")
        files.append((op.path, op.raw))
    return gitsync.write_commit(clone / ".git", parent=tip, files=files, message="plain\n",
                                identity=("Bench", "bench@example.com"), when=datetime.now(UTC),
                                scratch_ref="refs/plain/build", marks=clone / ".git" / "plain.marks")


def main(argv: list[str] | None = None) -> int:
    parser = harness.bench_parser(__doc__)
    parser.add_argument("--ops", type=int, default=100_000, help="operations in the ledger (default 100000)")
    harness.add_repeat(parser, 5, "timed runs of each measurement")
    harness.add_keep(parser, "remote and clones")
    args = harness.parse(parser, argv)
    if harness.missing_modules("tracker", "sqlalchemy"):
        return 2
    return harness.in_workdir(lambda workdir: run(workdir, args), prefix="tracker-ledger-bench-", keep=args.keep,
                              kept="remote and clones")


def run(workdir: Path, args: Any) -> int:
    rng = random.Random(42)
    env = harness.clean_env(workdir / "pycache")
    gitconfig = workdir / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n")
    env.update(GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1", HOME=str(workdir))
    os.environ.update(GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1")
    tracker = [sys.executable, "-m", "tracker"]
    remote = workdir / "remote.git"
    _git(workdir, "init", "-q", "--bare", str(remote), env=env)
    seed = workdir / "seed"
    _git(workdir, "clone", "-q", str(remote), str(seed), env=env)
    (seed / "README").write_text("team\n")
    _git(seed, "add", "README", env=env)
    _git(seed, "commit", "-q", "-m", "seed", env=env)
    _git(seed, "push", "-q", "origin", "main", env=env)

    started = time.monotonic()
    ops = generate(args.ops, rng)
    write_ledger(seed, ops, env)
    print(harness.python_line(f"git {_git(workdir, 'version', env=env).split()[-1]}", repeat=args.repeat))
    print(f"ledger: {len(ops):,} operations written in {time.monotonic() - started:.1f} s")

    clones = {}
    for name in ("reader", "writer", "syncer", "plain"):
        clones[name] = workdir / name
        _git(workdir, "clone", "-q", str(remote), str(clones[name]), env=env)
    join = harness.run_child("join", [*tracker, "ledger", "sync"], env=env, cwd=clones["reader"], timeout=3600)
    for name in ("writer", "syncer"):
        harness.run_child(f"join {name}", [*tracker, "ledger", "sync"], env=env, cwd=clones[name], timeout=3600)
    print(f"join (make the replica, apply {len(ops):,} operations): {join.seconds:.1f} s")

    rebuilds = [harness.run_child("rebuild", [*tracker, "ledger", "rebuild"], env=env, cwd=clones["reader"],
                                  timeout=3600).seconds for _ in range(max(1, args.repeat // 2))]
    rebuild_s = sorted(rebuilds)[len(rebuilds) // 2]

    command = [*tracker, "actions", "list", "--limit", "1"]

    def incremental(_: object) -> tuple[float, float]:
        make_pending(clones["writer"], NEW_OPS, env)
        harness.run_child("writer sync", [*tracker, "ledger", "sync"], env=env, cwd=clones["writer"], timeout=600)
        _git(clones["reader"], "fetch", "-q", env=env)
        applied = harness.run_child("apply", command, env=env, cwd=clones["reader"], timeout=600).seconds
        noop = harness.run_child("no-op", command, env=env, cwd=clones["reader"], timeout=600).seconds
        return applied, noop

    pairs = harness.interleaved([None], incremental, args.repeat)[0]
    apply_ms = harness.median_ms(a for a, _ in pairs)
    noop_ms = harness.median_ms(n for _, n in pairs)

    def syncing(kind: str) -> float:
        if kind == "tracker":
            make_pending(clones["syncer"], NEW_OPS, env)
            return harness.run_child("sync", [*tracker, "ledger", "sync"], env=env, cwd=clones["syncer"],
                                     timeout=600).seconds
        # The same work in plain git: fetch what the others pushed (the tracker's last sync), push a commit
        # of 100 operation files (to a ref of its own, so the tracker's syncs do not have to apply them).
        commit = plain_commit(clones["plain"], NEW_OPS, rng, env)
        serial[0] += 1
        begin = time.monotonic()
        _git(clones["plain"], "fetch", "-q", "origin", "+refs/tracker/ledger:refs/plain/seen", env=env)
        _git(clones["plain"], "push", "-q", "origin", f"{commit}:refs/plain/bench-{serial[0]}", env=env)
        return time.monotonic() - begin

    serial = [0]
    _git(clones["plain"], "fetch", "-q", "origin", "+refs/tracker/ledger:refs/plain/seen", env=env)

    tracker_sync, plain_git = harness.interleaved(["tracker", "git"], syncing, args.repeat)
    sync_ms, git_ms = harness.median_ms(tracker_sync), harness.median_ms(plain_git)

    _git(remote, "gc", "-q", env=env)
    sizes = dict(line.split(": ") for line in _git(remote, "count-objects", "-v", env=env).splitlines())
    packed_mib = int(sizes["size-pack"]) / 1024
    total = len(ops) + (2 * args.repeat + 2) * NEW_OPS

    print()
    print(f"{'full rebuild':<44} {rebuild_s:>9.2f} s")
    print(f"{'command applying 100 new operations':<44} {apply_ms:>9.0f} ms")
    print(f"{'the same command, nothing new (no-op)':<44} {noop_ms:>9.0f} ms")
    print(f"{'tracker ledger sync of 100 operations':<44} {sync_ms:>9.0f} ms")
    print(f"{'git fetch + git push of the same':<44} {git_ms:>9.0f} ms")
    print(f"{'remote after git gc':<44} {packed_mib:>9.1f} MiB  ({total:,} operations)")
    harness.print_goals([
        harness.goal("incremental / no-op", apply_ms / noop_ms, "<=", GOAL_INCREMENTAL),
        harness.goal("sync / plain git", sync_ms / git_ms, "<=", GOAL_SYNC),
    ], 24)
    return 0


if __name__ == "__main__":
    sys.exit(main())
