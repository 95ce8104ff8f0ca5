"""Summarise trials/results: one row per attempt (nm-* = near-miss), agreement totals."""
import json, pathlib, sys
root = pathlib.Path(__file__).parent / "results"
rows, agree, total = [], 0, 0
for f in sorted(root.glob("*/*.json")):
    lab, name = f.parent.name, f.stem
    try:
        d = json.loads(f.read_text())
    except Exception as e:
        rows.append((lab, name, "?", "unreadable", "")); continue
    nm = name.startswith("nm-")
    full = d["points"] == d["max_points"]
    ok = (not full) if nm else full
    total += 1; agree += ok
    lost = ",".join(c["id"] for c in d["checks"] if c["outcome"] != "passed")
    rows.append((lab, name, "near-miss" if nm else "correct", f'{d["points"]:g}/{d["max_points"]:g}', "" if ok else "DISAGREE " + lost))
for r in rows:
    print(" | ".join(r))
print(f"attempts {total}, agreement {agree}/{total}")
