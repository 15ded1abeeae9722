"""The machine a study ran on: its host name and usable cores, recorded in
machine.json because rangefarm's reports name the host but not its cores,
and a point is oversubscribed when it has more ranks than its host has cores."""
import json
import os
import socket
from pathlib import Path

from .errors import UsageError


def cores_present():
    """Cores this process may run on (the affinity mask: what a batch
    system or taskset grants, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def this_machine():
    return {"host": socket.gethostname(), "cores": cores_present()}


def write_machine(folder):
    """Writes folder/machine.json for this machine; returns its dict."""
    machine = this_machine()
    (Path(folder) / "machine.json").write_text(json.dumps(machine, indent=2) + "\n")
    return machine


def is_machine_file(path):
    """machine.json, or machine-HOST.json as each Slurm array task writes."""
    name = Path(path).name
    return name == "machine.json" or (name.startswith("machine-") and name.endswith(".json"))


def read_cores(folders):
    """{host: cores} from the machine files in folders (later ones do not
    override earlier ones)."""
    cores = {}
    for folder in folders:
        for path in sorted(Path(folder).glob("machine*.json")):
            if not is_machine_file(path):
                continue
            try:
                doc = json.loads(path.read_text())
                cores.setdefault(str(doc["host"]), int(doc["cores"]))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise UsageError(f"{path}: not a machine file with host and cores ({exc})") \
                    from None
    return cores
