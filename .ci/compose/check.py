#!/usr/bin/env python3
"""What `docker compose config` would catch beyond the schema, without a container engine.

Usage: check.py COMPOSE_FILE. Checks, for every service of the compose file:
  * a build context that is a directory of the repository, and its Containerfile/Dockerfile;
  * every bind mount whose source is a relative path exists (file or directory), and every
    mounted .yml/.yaml/.json file of the repository parses;
  * named volumes are declared at the top level;
  * depends_on and network_mode "service:X" name services of the file;
  * an image or a build; published ports bound to 127.0.0.1 and not published twice.
Prints one FAIL line per problem and exits 1 if there was any.
"""

import json
import re
import sys
from pathlib import Path

from ruamel.yaml import YAML

problems = []


def fail(msg):
    problems.append(msg)
    print(f"FAIL: {msg}")


def load_yaml(path):
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def check_parses(path):
    try:
        if path.suffix in (".yml", ".yaml"):
            load_yaml(path)
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
    except Exception as exc:  # any parse error is a finding
        fail(f"{path}: does not parse: {exc}")


def main():
    compose = Path(sys.argv[1]).resolve()
    base = compose.parent
    doc = load_yaml(compose)
    services = doc.get("services") or {}
    declared_volumes = set((doc.get("volumes") or {}).keys())
    published = {}
    mounts = 0
    for name, svc in services.items():
        svc = svc or {}
        build = svc.get("build")
        if build is None and "image" not in svc:
            fail(f"{name}: neither image nor build")
        if build is not None:
            if isinstance(build, str):
                build = {"context": build}
            context = (base / build.get("context", ".")).resolve()
            if not context.is_dir():
                fail(f"{name}: build context {context} is not a directory")
            else:
                dockerfile = context / build.get("dockerfile", "Dockerfile")
                if not dockerfile.is_file():
                    fail(f"{name}: {dockerfile} does not exist")
        for vol in svc.get("volumes") or []:
            if isinstance(vol, dict):
                source, kind = vol.get("source", ""), vol.get("type", "volume")
            else:
                source = str(vol).split(":", 1)[0]
                kind = "bind" if source.startswith((".", "/", "$", "~")) else "volume"
            if kind == "volume":
                if source and source not in declared_volumes:
                    fail(f"{name}: named volume {source!r} is not declared under volumes:")
                continue
            if "$" in source or source.startswith(("/", "~")):
                continue  # host paths outside the repository (the engine's socket)
            path = (base / source).resolve()
            mounts += 1
            if not path.exists():
                fail(f"{name}: mounted {source} does not exist ({path})")
            elif path.is_file():
                check_parses(path)
        deps = svc.get("depends_on") or []
        for dep in deps if isinstance(deps, list) else deps.keys():
            if dep not in services:
                fail(f"{name}: depends_on unknown service {dep!r}")
        mode = svc.get("network_mode", "")
        if mode.startswith("service:") and mode[len("service:"):] not in services:
            fail(f"{name}: network_mode names unknown service {mode!r}")
        for port in svc.get("ports") or []:
            text = str(port)
            m = re.fullmatch(r"(?:(\d+\.\d+\.\d+\.\d+):)?(\d+):(\d+)(?:/\w+)?", text)
            if not m:
                fail(f"{name}: port {text!r}: use HOST_IP:HOST_PORT:CONTAINER_PORT")
                continue
            if m.group(1) != "127.0.0.1":
                fail(f"{name}: port {text!r} is not bound to 127.0.0.1")
            if m.group(2) in published:
                fail(f"{name}: host port {m.group(2)} also published by {published[m.group(2)]}")
            published[m.group(2)] = name
    print(f"{len(services)} services, {mounts} repository files/directories mounted, "
          f"{len(published)} ports on 127.0.0.1")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
