r"""Inequality-counting problems with exact answers (Part I of the Ely report).

A problem, the report's own example, and its closed-form count:

>>> ineq = Inequality(a1=5, b1=-10, op="<", a2=-4, b2=-2, lo=-50, hi=50)
>>> print(ineq.question)  # doctest: +NORMALIZE_WHITESPACE
For how many integers $x$ in the range $[-50, 50]$ is the inequality
$5x - 10 < -4x - 2$ satisfied?
>>> count_solutions(ineq), worked_solution(ineq).splitlines()[-1]
(51, '\\boxed{51}')

The count has a closed form: rearrange to ``A x op B``, divide by ``A`` (flipping ``op`` when
``A < 0``), round the bound to the nearest admissible integer and intersect with ``[lo, hi]``.
``count_by_enumeration`` and ``count_by_sympy`` check it independently. Sets of distinct
problems, the data splits and their files are in ``helpers.inequality_splits``.
"""

from __future__ import annotations

import math
import operator
import random
from dataclasses import dataclass
from fractions import Fraction

OPERATORS = ("<", "<=", ">", ">=")
FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}  # the operator after multiplying by -1
LATEX = {"<": "<", "<=": r"\le", ">": ">", ">=": r"\ge"}
COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class GeneratorSettings:
    """Where the numbers of a problem are drawn from (all ranges inclusive)."""

    # The seed shows one example (5x - 10 < -4x - 2 on [-50, 50]) and gives no ranges: these
    # defaults are our reading of it, consistent with that example.
    lo_range: tuple[int, int] = (-50, -50)  # the seed's example asks about [-50, 50]
    hi_range: tuple[int, int] = (50, 50)
    coef_range: tuple[int, int] = (-5, 5)  # x coefficients of f1 and f2 (ours)
    const_range: tuple[int, int] = (-10, 10)  # constant terms of f1 and f2 (ours)
    operators: tuple[str, ...] = OPERATORS  # drawn uniformly

    def __post_init__(self) -> None:
        for name in ("lo_range", "hi_range", "coef_range", "const_range"):
            _check_range(name, getattr(self, name))
            low, high = getattr(self, name)
            if low > high:
                raise ValueError(f"{name} ({low}, {high}) is empty: write it as (min, max)")
        if self.lo_range[1] > self.hi_range[0]:
            raise ValueError(
                f"lo_range {self.lo_range} reaches above hi_range {self.hi_range}, so a range "
                f"[lo, hi] could be empty: lo must be <= hi, keep max(lo_range) <= min(hi_range)"
            )
        if isinstance(self.operators, str) or not isinstance(self.operators, tuple | list):
            raise ValueError(
                f"operators={self.operators!r} is not a tuple of operators: write "
                f"operators=({self.operators!r},) for one, or a tuple of some of {OPERATORS}"
            )
        if not self.operators:
            raise ValueError(f"operators is empty: give at least one of {OPERATORS}")
        unknown = sorted(set(self.operators) - set(OPERATORS))
        if unknown:
            raise ValueError(f"unknown operators {unknown}: use only {OPERATORS}")
        repeated = sorted({op for op in self.operators if self.operators.count(op) > 1})
        if repeated:
            raise ValueError(
                f"operators {self.operators} name {', '.join(map(repr, repeated))} more than once: "
                "each listed operator is drawn equally often, so list each once"
            )
        if self.coef_range[0] == self.coef_range[1]:
            raise ValueError(
                f"coef_range {self.coef_range} has zero width: f1 and f2 always share their x "
                f"coefficient, so every problem is trivially all-or-nothing; widen it, e.g. (-5, 5)"
            )

    def n_unique(self) -> int:
        """How many distinct problems these settings can produce (a problem and its mirror
        image ``f2 flip(op) f1`` count once)."""
        width = lambda r: r[1] - r[0] + 1  # noqa: E731
        ops = set(self.operators)
        paired = sum(FLIPPED[op] in ops for op in ops)  # these ops meet their mirror image
        sides = width(self.coef_range) * width(self.const_range)
        n_ranges = width(self.lo_range) * width(self.hi_range)
        return sides * sides * n_ranges * (paired // 2 + len(ops) - paired)

    def n_draws(self) -> int:
        """How many equally likely outcomes one ``sample_inequality`` draw has: each problem
        comes up at least once in this many draws, on average."""
        width = lambda r: r[1] - r[0] + 1  # noqa: E731
        sides = width(self.coef_range) * width(self.const_range)
        n_ranges = width(self.lo_range) * width(self.hi_range)
        return sides * sides * n_ranges * len(self.operators)


def _check_range(name: str, value) -> None:
    """A range is a pair of whole numbers: strings would compare as text ("-5" > "10"), and
    floats or booleans are no bound ``random.randint`` can draw from."""
    pair = isinstance(value, tuple | list) and len(value) == 2
    if not pair or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise ValueError(
            f"{name}={value!r} is not a pair of whole numbers: write it as (min, max) with "
            "ints, e.g. (-5, 5)"
        )


FAITHFUL = GeneratorSettings()
# Beyond the seed: varying and wider ranges, larger numbers, so answers spread out.
HARD = GeneratorSettings(
    lo_range=(-200, 0), hi_range=(0, 200), coef_range=(-12, 12), const_range=(-100, 100)
)


@dataclass(frozen=True)
class Inequality:
    """``a1 x + b1  op  a2 x + b2`` over the integers ``x`` in ``[lo, hi]``."""

    a1: int
    b1: int
    op: str
    a2: int
    b2: int
    lo: int
    hi: int

    def __post_init__(self) -> None:
        for name in ("a1", "b1", "a2", "b2", "lo", "hi"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(
                    f"{name}={value!r} is not a whole number: every coefficient, constant and "
                    "bound of an inequality is an int (a row read from a file: int(row[...]))"
                )
        if not isinstance(self.op, str) or self.op not in COMPARE:
            raise ValueError(f"unknown operator {self.op!r}: use one of {OPERATORS}")
        if self.lo > self.hi:
            raise ValueError(f"the range [{self.lo}, {self.hi}] is empty: lo must be <= hi")

    @property
    def lhs(self) -> str:
        return format_linear(self.a1, self.b1)

    @property
    def rhs(self) -> str:
        return format_linear(self.a2, self.b2)

    @property
    def question(self) -> str:
        return (
            f"For how many integers $x$ in the range $[{self.lo}, {self.hi}]$ is the inequality "
            f"${self.lhs} {LATEX[self.op]} {self.rhs}$ satisfied?"
        )

    def holds(self, x: int) -> bool:
        return COMPARE[self.op](self.a1 * x + self.b1, self.a2 * x + self.b2)

    def key(self) -> tuple:
        """The same for an inequality and its mirror image (``f2 flip(op) f1``)."""
        mirror = (self.a2, self.b2, FLIPPED[self.op], self.a1, self.b1)
        return (*min((self.a1, self.b1, self.op, self.a2, self.b2), mirror), self.lo, self.hi)


def _x_term(a: int) -> str:
    return {1: "x", -1: "-x"}.get(a, f"{a}x")


def format_linear(a: int, b: int) -> str:
    """``a x + b`` as a reader writes it: ``format_linear(-1, 3) == '-x + 3'``."""
    if a == 0:
        return str(b)
    x_term = _x_term(a)
    if b == 0:
        return x_term
    return f"{x_term} {'+' if b > 0 else '-'} {abs(b)}"


@dataclass(frozen=True)
class Solution:
    """The closed-form steps: ``A x op B``, the rational bound, the integer interval, the count."""

    a: int  # A = a1 - a2
    b: int  # B = b2 - b1
    op: str  # the operator after dividing by A (flipped when A < 0)
    bound: Fraction | None  # B / A, or None when A == 0
    first: int | None  # smallest integer solution in [lo, hi], None if there is none
    last: int | None
    count: int

    def __str__(self) -> str:
        """The steps in one line, as a reader writes them.

        >>> print(solve(Inequality(5, -10, "<", -4, -2, -50, 50)))
        9x < 8, so x < 8/9: the integers -50..0, 51 of them
        """
        if self.bound is None:
            kept = "every integer of the range" if self.count else "no integer"
            return f"0 {self.op} {self.b} (the x terms cancel): {kept}, {self.count} of them"
        written = f"{_x_term(self.a)} {self.op if self.a > 0 else FLIPPED[self.op]} {self.b}"
        kept = f"the integers {self.first}..{self.last}" if self.count else "no integer"
        return f"{written}, so x {self.op} {self.bound}: {kept}, {self.count} of them"


def solve(ineq: Inequality) -> Solution:
    """Exact solution in O(1) with rational arithmetic."""
    a, b = ineq.a1 - ineq.a2, ineq.b2 - ineq.b1
    if a == 0:  # 0 op B: true for every x or for none
        holds = COMPARE[ineq.op](0, b)
        first, last = (ineq.lo, ineq.hi) if holds else (None, None)
        return Solution(a, b, ineq.op, None, first, last, ineq.hi - ineq.lo + 1 if holds else 0)
    op = ineq.op if a > 0 else FLIPPED[ineq.op]
    bound = Fraction(b, a)
    lower, upper = ineq.lo, ineq.hi
    if op == "<":
        upper = min(upper, math.ceil(bound) - 1)
    elif op == "<=":
        upper = min(upper, math.floor(bound))
    elif op == ">":
        lower = max(lower, math.floor(bound) + 1)
    else:
        lower = max(lower, math.ceil(bound))
    if lower > upper:
        return Solution(a, b, op, bound, None, None, 0)
    return Solution(a, b, op, bound, lower, upper, upper - lower + 1)


def canonical_form(ineq: Inequality) -> tuple:
    """The problem after one line of algebra: ``(lo, hi, op', bound)`` for ``x op' bound``
    (``bound = B / A`` as an exact Fraction, ``op'`` flipped when ``A < 0``), or
    ``(lo, hi, "always" | "never", None)`` when the ``x`` terms cancel. Two problems with the
    same form are twins: the same integers satisfy them, so they have the same answer.

    >>> canonical_form(Inequality(5, -10, "<", -4, -2, -50, 50))  # 5x - 10 < -4x - 2
    (-50, 50, '<', Fraction(8, 9))
    >>> canonical_form(Inequality(-9, 0, ">", 0, -8, -50, 50))  # -9x > -8: the same problem
    (-50, 50, '<', Fraction(8, 9))
    """
    s = solve(ineq)
    if s.bound is None:
        return ineq.lo, ineq.hi, "always" if s.count else "never", None
    return ineq.lo, ineq.hi, s.op, s.bound


def describe_form(form: tuple) -> str:
    """A canonical form as a reader writes it.

    >>> describe_form((-50, 50, "<=", Fraction(20, 9)))
    'x in [-50, 50], x <= 20/9'
    >>> describe_form((-50, 50, "never", None))
    'x in [-50, 50], never true (the x terms cancel)'
    """
    lo, hi, op, bound = form
    if bound is None:
        return f"x in [{lo}, {hi}], {op} true (the x terms cancel)"
    return f"x in [{lo}, {hi}], x {op} {bound}"


def count_solutions(ineq: Inequality) -> int:
    """How many integers in ``[lo, hi]`` satisfy the inequality (closed form)."""
    return solve(ineq).count


def count_by_enumeration(ineq: Inequality) -> int:
    """The same count by trying every integer: the slow, obviously correct check."""
    return sum(ineq.holds(x) for x in range(ineq.lo, ineq.hi + 1))


def count_by_sympy(ineq: Inequality) -> int:
    """The same count by sympy's ``solveset`` over the integers of the range."""
    import sympy

    x = sympy.Symbol("x", integer=True)
    relation = {"<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge}[ineq.op]
    inequality = relation(ineq.a1 * x + ineq.b1, ineq.a2 * x + ineq.b2)
    solutions = sympy.solveset(inequality, x, domain=sympy.Range(ineq.lo, ineq.hi + 1))
    return len(solutions)


def _latex_number(q: Fraction) -> str:
    if q.denominator == 1:
        return str(q.numerator)
    sign = "-" if q < 0 else ""
    return rf"{sign}\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def _paren(n: int) -> str:
    return f"({n})" if n < 0 else str(n)


def worked_solution(ineq: Inequality) -> str:
    r"""Step-by-step reasoning that ends in ``\boxed{N}``."""
    s = solve(ineq)
    op, lo, hi = LATEX[ineq.op], ineq.lo, ineq.hi
    steps = [
        "Move every $x$ term to the left and every constant to the right: "
        f"$({ineq.a1} - {_paren(ineq.a2)})x {op} {ineq.b2} - {_paren(ineq.b1)}$, "
        f"that is ${_x_term(s.a)} {op} {s.b}$."
    ]
    if s.bound is None:
        truth = "always true" if s.count else "never true"
        steps.append(f"The $x$ terms cancel, leaving $0 {op} {s.b}$, which is {truth}.")
        if s.count:
            steps.append(
                f"So every integer in $[{lo}, {hi}]$ satisfies it: "
                f"${hi} - {_paren(lo)} + 1 = {s.count}$ integers."
            )
        else:
            steps.append(f"So no integer in $[{lo}, {hi}]$ satisfies it.")
        return "\n".join(steps + [rf"\boxed{{{s.count}}}"])
    flip = f", flipping the inequality because ${s.a}$ is negative" if s.a < 0 else ""
    steps.append(f"Divide both sides by ${s.a}${flip}: $x {LATEX[s.op]} {_latex_number(s.bound)}$.")
    upper = s.op in ("<", "<=")
    edge = (
        (math.ceil(s.bound) - 1 if s.op == "<" else math.floor(s.bound))
        if upper
        else (math.floor(s.bound) + 1 if s.op == ">" else math.ceil(s.bound))
    )
    steps.append(
        f"The integers with $x {LATEX[s.op]} {_latex_number(s.bound)}$ are those with "
        f"$x {LATEX['<=' if upper else '>=']} {edge}$."
    )
    if s.count:
        steps.append(
            f"Within $[{lo}, {hi}]$ that is ${s.first} \\le x \\le {s.last}$, which holds "
            f"${s.last} - {_paren(s.first)} + 1 = {s.count}$ integers."
        )
    else:
        steps.append(f"No integer in $[{lo}, {hi}]$ has that, so the count is $0$.")
    return "\n".join(steps + [rf"\boxed{{{s.count}}}"])


def sample_inequality(rng: random.Random, settings: GeneratorSettings = FAITHFUL) -> Inequality:
    """One problem drawn uniformly from the settings' ranges."""
    lo = rng.randint(*settings.lo_range)
    hi = rng.randint(*settings.hi_range)
    return Inequality(
        a1=rng.randint(*settings.coef_range),
        b1=rng.randint(*settings.const_range),
        op=rng.choice(settings.operators),
        a2=rng.randint(*settings.coef_range),
        b2=rng.randint(*settings.const_range),
        lo=lo,
        hi=hi,
    )
