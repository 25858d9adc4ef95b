"""What a consumer action refuses: ``Refused`` carries every reason and the HTTP status."""

from __future__ import annotations

from promotions.entries.eligibility import Refusal


class Refused(Exception):
    """A consumer action that cannot be done, with every reason (shown as form errors or
    as the JSON error's ``fields``). ``status`` is the HTTP status a view answers with."""

    def __init__(self, refusals: list[Refusal], status: int = 400, retry_after: int = 0) -> None:
        super().__init__("; ".join(r.message for r in refusals))
        self.refusals = refusals
        self.status = status
        self.retry_after = retry_after

    @property
    def code(self) -> str:
        return self.refusals[0].code if len(self.refusals) == 1 else "not_eligible"


_CONFLICTS = {"already_entered", "already_entered_today", "no_entries_left", "already_voted_today"}


_FORBIDDEN = {"not_open_yet", "closed", "not_open", "identity_required", "codes_exhausted"}


def refuse(refusals: list[Refusal]) -> Refused:
    codes = {r.code for r in refusals}
    status = 409 if codes & _CONFLICTS else 403 if codes <= _FORBIDDEN else 400
    return Refused(refusals, status=status)
