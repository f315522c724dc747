"""What a conversion could not carry over, said once and precisely (never silently dropped)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Note:
    """One compose setting a target leaves out or changes: where it is and what happens."""

    path: str  # dotted compose path: ``services.web.ports[0].host_ip``
    message: str  # what the target does instead, in a person's words

    def line(self) -> str:
        """``services.web.init: no Kubernetes meaning (left out)``."""
        return f"{self.path}: {self.message}"


@dataclass
class Notes:
    """Notes collected while converting one project, in a stable order."""

    target: str  # "Swarm" or "Kubernetes"
    items: list[Note] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        """Record one note (duplicates are kept once)."""
        note = Note(path, message)
        if note not in self.items:
            self.items.append(note)

    def left_out(self, path: str, why: str = "") -> None:
        """A setting with no meaning on the target: it is not converted."""
        self.add(path, f"no {self.target} meaning, left out" + (f" ({why})" if why else ""))

    def sorted(self) -> list[Note]:
        """The notes ordered by path, for output that does not depend on dict order."""
        return sorted(self.items)

    def warning(self) -> str:
        """All notes as one warning: a summary line, then one indented line per note."""
        if not self.items:
            return ""
        lines = [f"{len(self.items)} compose setting(s) not carried over to {self.target} as is:"]
        lines += [f"  {n.line()}" for n in self.sorted()]
        return "\n".join(lines)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)
