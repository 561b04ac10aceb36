"""What one user may see: the territories whose contract data they read, where they see small counts, and writes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import StrEnum

ENV_SMALL_COUNT_MAX = "LEVIER_SMALL_COUNT_MAX"
DEFAULT_SMALL_COUNT_MAX = 10  # INSEE's rule for tax data on persons: 1 to 10 persons are never shown


class Role(StrEnum):
    NATIONAL = "national"
    REGIONAL = "regional"
    DEPARTEMENTAL = "departemental"
    ADMINISTRATEUR = "administrateur"
    PUBLIC = "public"  # signed in but granted nothing: public statistics only


ROLE_LABELS = {
    Role.NATIONAL: "national",
    Role.REGIONAL: "régional",
    Role.DEPARTEMENTAL: "départemental",
    Role.ADMINISTRATEUR: "administrateur",
    Role.PUBLIC: "statistiques publiques seules",
}


def small_count_max() -> int:
    return int(os.environ.get(ENV_SMALL_COUNT_MAX, DEFAULT_SMALL_COUNT_MAX))


@dataclass(frozen=True)
class Scope:
    """Rights of one user, resolved to département codes (EPCIs follow their principal département).

    `all_territories` / `departements`: whose contract data (returns, targets, funding, contracts, variants) the
    user reads at all; public statistics (programme STAT) are read by everyone.
    `detail_all` / `detail_departements`: where sensitive counts of 1..small_count_max persons are shown; elsewhere
    they are masked, with secondary suppression."""

    user: str
    role: Role
    all_territories: bool = False
    departements: frozenset[str] = field(default_factory=frozenset)
    detail_all: bool = False
    detail_departements: frozenset[str] = field(default_factory=frozenset)
    can_import: bool = False
    small_count_max: int = DEFAULT_SMALL_COUNT_MAX
    local: bool = False  # the single-user mode with no sign-in

    @classmethod
    def local_admin(cls, user: str = "mode local") -> Scope:
        return cls(user=user, role=Role.ADMINISTRATEUR, all_territories=True, detail_all=True, can_import=True,
                   small_count_max=small_count_max(), local=True)

    @classmethod
    def administrateur(cls, user: str) -> Scope:
        return cls(user=user, role=Role.ADMINISTRATEUR, all_territories=True, detail_all=True, can_import=True,
                   small_count_max=small_count_max())

    @classmethod
    def national(cls, user: str, detail: frozenset[str] = frozenset()) -> Scope:
        return cls(user=user, role=Role.NATIONAL, all_territories=True, detail_departements=frozenset(detail),
                   small_count_max=small_count_max())

    @classmethod
    def territorial(cls, user: str, role: Role, departements: frozenset[str] | set[str]) -> Scope:
        deps = frozenset(departements)
        return cls(user=user, role=role, departements=deps, detail_departements=deps,
                   small_count_max=small_count_max())

    @classmethod
    def public(cls, user: str) -> Scope:
        return cls(user=user, role=Role.PUBLIC, small_count_max=small_count_max())

    def sees(self, dep: str | None) -> bool:
        return self.all_territories or (dep is not None and dep in self.departements)

    def sees_detail(self, dep: str | None) -> bool:
        return self.detail_all or (dep is not None and dep in self.detail_departements)

    @property
    def masks_anything(self) -> bool:
        """Whether some territory this user reads lacks its detail, i.e. whether the small-count rule hides
        anything from them (a territorial user has the detail of everything they read)."""
        if self.detail_all:
            return False
        return self.all_territories or not self.departements <= self.detail_departements

    def key(self) -> str:
        """A stable text for cache keys: two users with the same rights share cached results, no one else."""
        return "|".join(
            [
                self.role.value,
                "*" if self.all_territories else ",".join(sorted(self.departements)),
                "*" if self.detail_all else ",".join(sorted(self.detail_departements)),
                str(self.small_count_max),
                "w" if self.can_import else "r",
            ]
        )

    def describe(self) -> str:
        """One French sentence for the sidebar."""
        if self.local:
            return "Mode local, sans connexion : tous les droits sur ce poste (un seul utilisateur)."
        if self.role is Role.PUBLIC:
            return "Aucun territoire attribué : seules les statistiques publiques sont visibles."
        if self.all_territories:
            where = "tous les territoires"
        else:
            where = "départements " + ", ".join(sorted(self.departements))
        detail = (
            "détail complet" if self.detail_all
            else f"petits effectifs (1 à {self.small_count_max}) masqués" if not self.detail_departements
            else "détail sur " + ", ".join(sorted(self.detail_departements))
        )
        return f"Rôle {ROLE_LABELS[self.role]} : {where} ; {detail}."
