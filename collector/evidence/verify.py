"""Checking a pack against its manifest (``collector evidence verify PACK.zip``): every
file listed is there with its size and SHA-256, and nothing unlisted is added."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from collector.evidence.writers import MANIFEST


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def verify(path: Path) -> tuple[dict[str, object], list[Problem]]:
    """The manifest and every problem found (none: the pack is as it was made)."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return {}, [Problem(str(path), f"not a readable zip file ({exc})")]
    with archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        roots = {n.split("/", 1)[0] for n in names}
        if len(roots) != 1:
            return {}, [Problem(str(path), "a pack holds one folder")]
        root = roots.pop()
        try:
            manifest = json.loads(archive.read(f"{root}/{MANIFEST}"))
            listed = {f["path"]: f for f in manifest["files"]}
        except (KeyError, ValueError, TypeError) as exc:
            return {}, [Problem(MANIFEST, f"missing or unreadable ({exc})")]
        problems: list[Problem] = []
        present = {n[len(root) + 1 :] for n in names} - {MANIFEST}
        for name in sorted(present - set(listed)):
            problems.append(Problem(name, "not listed in the manifest"))
        for name, entry in sorted(listed.items()):
            if name not in present:
                problems.append(Problem(name, "listed in the manifest but missing"))
                continue
            try:
                data = archive.read(f"{root}/{name}")
            except (zipfile.BadZipFile, OSError) as exc:  # a damaged member fails its CRC
                problems.append(Problem(name, f"unreadable ({exc})"))
                continue
            if len(data) != entry.get("bytes"):
                problems.append(
                    Problem(name, f"{len(data)} bytes, the manifest says {entry.get('bytes')}")
                )
            elif hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                problems.append(Problem(name, "SHA-256 differs from the manifest"))
        return manifest, problems
