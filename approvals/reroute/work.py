"""What a re-route moved."""

from dataclasses import dataclass, field


@dataclass
class ReroutedWork:
    """What moved: tasks re-routed by the rules, tasks of leavers given to someone else."""

    rerouted: int = 0
    reassigned: int = 0
    processes: list[int] = field(default_factory=list)
