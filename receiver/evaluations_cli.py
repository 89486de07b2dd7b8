"""`kiosk-receiver evaluations …`: the figures of the service evaluation (好差评) as
seed document 2 asks for them, the call-backs of rated-satisfied cases and the
follow-ups of bad ratings. How each figure is computed: `receiver.storage.evaluations`
and docs/receiver.md.

Personal data: `sample` prints the contact phones of the cases drawn, opened from their
sealed envelopes, to the operator's terminal only (stdout, never a log); `followups`
prints a bad rating's own text likewise. Nothing here logs.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
from datetime import datetime
from typing import Any

from wire import schemas, sealing

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class Refused(Exception):
    """Bad input or a state that forbids the action (exit 2), with the message to print."""


def _period(text: str) -> str:
    if not _PERIOD.match(text.strip()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month such as 2026-11")
    return text.strip()


def _seed(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) < 2**62:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed (a whole number below 2^62)")
    return int(text)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    from receiver.storage.evaluations import CALLBACK_OUTCOMES, GROUPINGS

    ev = sub.add_parser("evaluations", parents=[common],
                        help="the service evaluation (好差评): figures, call-backs, follow-ups")
    esub = ev.add_subparsers(dest="action", metavar="ACTION", required=True)
    stats = esub.add_parser("stats", parents=[common],
                            help="valid visits, ratings, participation and satisfaction rates, "
                                 "bad ratings and how many are followed up")
    stats.add_argument("--by", choices=GROUPINGS, help="one row per terminal, jurisdiction or "
                                                      "month (default: all together)")
    stats.add_argument("--period", type=_period, metavar="YYYY-MM",
                       help="only the cases applied for in this month (China time)")
    stats.add_argument("--json", action="store_true", help="print JSON")
    sample = esub.add_parser("sample", parents=[common],
                             help="draw the rated-satisfied cases of a month to call back "
                                  "(once per month; shown again afterwards)")
    sample.add_argument("--period", type=_period, required=True, metavar="YYYY-MM")
    sample.add_argument("--seed", type=_seed, help="the draw's seed (default: a random one, "
                                                   "recorded with the draw)")
    sample.add_argument("--json", action="store_true", help="print JSON")
    callback = esub.add_parser("callback", parents=[common],
                               help="record the outcome of a call-back")
    callback.add_argument("case_no", metavar="CASE")
    callback.add_argument("--period", type=_period, required=True, metavar="YYYY-MM")
    callback.add_argument("--outcome", required=True, choices=list(CALLBACK_OUTCOMES),
                          help="genuine (属实), not_genuine (不属实), unreachable (未接通)")
    callback.add_argument("--note", help="what was said")
    followups = esub.add_parser("followups", parents=[common],
                                help="the bad ratings (不满意, 非常不满意) and their follow-up")
    followups.add_argument("--state", choices=("open", "done"))
    followups.add_argument("--json", action="store_true", help="print JSON")
    follow = esub.add_parser("follow-up", parents=[common],
                             help="record that a bad rating was followed up, and how")
    follow.add_argument("evaluation_id", metavar="EVALUATION")
    follow.add_argument("--note", required=True, help="what was done")


def run(args: argparse.Namespace, store: Any) -> int:
    return {"stats": _stats, "sample": _sample, "callback": _callback, "followups": _followups,
            "follow-up": _follow_up}[args.action](args, store)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _stats(args: argparse.Namespace, store: Any) -> int:
    from receiver.storage.evaluations import PARTICIPATION_TARGET, SATISFACTION_TARGET

    figures = store.evaluation_stats(args.by, args.period)
    if args.json:
        print(json.dumps({"by": args.by or "all", "period": args.period,
                          "targets": {"participation_rate": PARTICIPATION_TARGET,
                                      "satisfaction_rate": SATISFACTION_TARGET},
                          "groups": [f.as_dict() for f in figures]},
                         ensure_ascii=False, indent=2))
        return 0
    if not figures:
        print("(no cases)")
        return 0
    head = (f"{args.by or 'group':<16} {'service':<8} {'visits':>6} {'ratings':>7} "
            f"{'particip.':>9} {'satisf.':>7} {'bad':>4} {'followed':>8}")
    print(head)
    for f in figures:
        print(f"{f.group:<16} {f.service:<8} {f.valid_visits:>6} {f.ratings:>7} "
              f"{_rate(f.participation_rate):>9} {_rate(f.satisfaction_rate):>7} {f.bad:>4} "
              f"{f.followed_up:>8}")
    print(f"targets: participation >= {PARTICIPATION_TARGET:.0%} of valid visits, "
          f"satisfaction >= {SATISFACTION_TARGET:.0%} of ratings, every bad rating followed up")
    return 0


def _phones(store: Any, data_dir: Any, case_nos: list[str]) -> dict[str, list[str]]:
    """The contact phones of each case, from its sealed envelope (the operator calls them)."""
    from receiver import keys

    key = keys.load(data_dir)
    if key is None:
        raise Refused(f"no platform key in {data_dir}: the envelopes cannot be opened")
    out: dict[str, list[str]] = {}
    for case_no, (submission_id, sealed) in store.case_envelopes(case_nos).items():
        try:
            inner = json.loads(sealing.unseal(sealed, key, submission_id, "envelope"))
        except (sealing.SealingError, ValueError):
            out[case_no] = []
            continue
        doc = inner.get("document") if isinstance(inner, dict) else None
        people = list(doc.get("applicants") or []) + [doc.get("agent")] \
            if isinstance(doc, dict) else []
        phones = [p["phone"] for p in people if isinstance(p, dict)
                  and isinstance(p.get("phone"), str) and p["phone"]]
        out[case_no] = list(dict.fromkeys(phones))
    return out


def _sample(args: argparse.Namespace, store: Any) -> int:
    from receiver.storage.evaluations import CALLBACK_OUTCOMES

    seed = args.seed if args.seed is not None else secrets.randbelow(2**62)
    drawn, new = store.evaluation_sample(args.period, seed)
    if args.seed is not None and not new and drawn and drawn[0].seed != args.seed:
        raise Refused(f"{args.period} was drawn before with seed {drawn[0].seed}; a period is "
                      "drawn once")
    phones = _phones(store, args.data, [c.case_no for c in drawn])
    rows = [{"position": c.position, "case_no": c.case_no, "evaluation_id": c.evaluation_id,
             "level": c.level, "level_label": schemas.EVALUATION_LEVELS[c.level],
             "terminal_id": c.terminal_id, "phones": phones.get(c.case_no, []),
             "outcome": c.outcome, "note": c.note, "called_at": c.called_at} for c in drawn]
    if args.json:
        print(json.dumps({"period": args.period, "seed": drawn[0].seed if drawn else seed,
                          "drawn_now": new, "callbacks": rows}, default=_default,
                         ensure_ascii=False, indent=2))
        return 0
    if not drawn:
        print(f"{args.period}: no case was rated satisfied; nothing to call back")
        return 0
    when = drawn[0].drawn_at.astimezone().strftime("%Y-%m-%d %H:%M")
    print(f"{args.period}: {len(drawn)} rated-satisfied case(s) to call back "
          f"({'drawn now' if new else 'drawn ' + when}, seed {drawn[0].seed})")
    for r in rows:
        outcome = CALLBACK_OUTCOMES.get(r["outcome"] or "", "not called yet")
        print(f"{r['position']:>2}. {r['case_no']}  {r['level_label']}  "
              f"phone {' / '.join(r['phones']) or '(none given)'}  {outcome}")
    print("record each call: kiosk-receiver evaluations callback CASE --period "
          f"{args.period} --outcome genuine|not_genuine|unreachable")
    return 0


def _callback(args: argparse.Namespace, store: Any) -> int:
    if not store.record_callback(args.period, args.case_no, args.outcome, args.note):
        raise Refused(f"{args.case_no} was not drawn for {args.period} (see `kiosk-receiver "
                      f"evaluations sample --period {args.period}`)")
    print(f"{args.case_no}: call-back recorded ({args.outcome})")
    return 0


def _text(store: Any, data_dir: Any, evaluation_id: str, sealed: bytes | None) -> str | None:
    if sealed is None:
        return None
    from receiver import keys

    key = keys.load(data_dir)
    try:
        return sealing.unseal(sealed, key, evaluation_id,
                              schemas.EVALUATION_TEXT_PART).decode() if key else None
    except (sealing.SealingError, UnicodeDecodeError):
        return None


def _followups(args: argparse.Namespace, store: Any) -> int:
    rows = [{"evaluation_id": b.evaluation_id, "case_no": b.case_no, "service": b.service,
             "level": b.level, "level_label": schemas.EVALUATION_LEVELS[b.level],
             "reasons": b.reasons, "text": _text(store, args.data, b.evaluation_id,
                                                 b.text_sealed),
             "terminal_id": b.terminal_id, "rated_at": b.rated_at, "state": b.state,
             "note": b.note, "followed_up_at": b.followed_up_at}
            for b in store.bad_ratings(args.state)]
    if args.json:
        print(json.dumps(rows, default=_default, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("(no bad ratings)")
        return 0
    for r in rows:
        print(f"{r['evaluation_id']}  {r['case_no']}  {r['service']}  {r['level_label']}  "
              f"{','.join(r['reasons'])}  {r['state']}")
        if r["text"]:
            print(f"    text: {r['text']}")
        if r["note"]:
            print(f"    followed up: {r['note']}")
    return 0


def _follow_up(args: argparse.Namespace, store: Any) -> int:
    note = args.note.strip()
    if not note:
        raise Refused("say what was done: --note TEXT")
    if not store.record_followup(args.evaluation_id, note):
        raise Refused(f"no bad rating {args.evaluation_id!r} (see `kiosk-receiver evaluations "
                      "followups`)")
    print(f"{args.evaluation_id}: followed up")
    return 0


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)
