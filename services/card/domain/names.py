"""Splitting an author's display name into the parts citation formats want.

Authors are published as one ``name`` (what people type), but BibTeX, CSL, RIS and CFF want
family and given names. The rules, deliberately few:

* ``"Family, Given"`` (a comma) is taken as written.
* One word, or text in a script written without spaces (``李雷``), is kept whole as a
  *literal*: we cannot know which part is the family name, so no format gets a wrong split.
* Otherwise the last word is the family name, lower-case words just before it are its
  particle (``Ludwig van Beethoven``), and the rest are given names.
"""

from __future__ import annotations

import msgspec

__all__ = ["PersonName", "split_name"]


class PersonName(msgspec.Struct, frozen=True):
    """A name in parts; ``literal`` is set (and the parts empty) when it cannot be split."""

    family: str = ""
    given: str = ""
    particle: str = ""
    literal: str = ""

    @property
    def family_with_particle(self) -> str:
        return f"{self.particle} {self.family}" if self.particle else self.family


def split_name(name: str) -> PersonName:
    """Split a display name (see the module docstring for the rules)."""
    text = " ".join(name.split())
    if "," in text:
        family, _, given = (part.strip() for part in text.partition(","))
        if family and given:
            return _with_particle(family.split(" "), given)
        text = family or given
    words = text.split(" ")
    if len(words) < 2:
        return PersonName(literal=text)
    return _with_particle(words[:-1], "", last=words[-1])


def _with_particle(front: list[str], given: str, last: str | None = None) -> PersonName:
    """``front`` holds given names then particles (or, with ``given``, particle + family)."""
    if last is None:
        # "van Beethoven, Ludwig": leading lower-case words of the family part are the particle
        index = 0
        while index < len(front) - 1 and front[index].islower():
            index += 1
        return PersonName(family=" ".join(front[index:]), given=given, particle=" ".join(front[:index]))
    index = len(front)
    while index > 1 and front[index - 1].islower():
        index -= 1
    return PersonName(family=last, given=" ".join(front[:index]), particle=" ".join(front[index:]))
