"""Helpers the model families share."""


def _make_divisible(v: float, divisor: int, min_value=None) -> int:
    """The channel count nearest v that is a multiple of divisor (at least min_value, default
    divisor), raised by one divisor when rounding would lose more than 10% of v: MobileNet's
    width rule, which fixes the layer sizes a state_dict must match."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v
