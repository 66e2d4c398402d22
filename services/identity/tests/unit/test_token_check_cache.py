from crm_identity.adapters.token_check_cache import RecentTokenChecks


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_an_accepted_token_is_remembered_only_for_the_ttl():
    clock = Clock()
    recent = RecentTokenChecks(0.5, clock=clock)
    key = ("user", "u1", 1700000000)
    assert not recent.accepted_recently(key)
    recent.remember(key)
    assert recent.accepted_recently(key)
    clock.now += 0.49
    assert recent.accepted_recently(key)
    clock.now += 0.02
    assert not recent.accepted_recently(key)


def test_clear_forgets_everything_at_once():
    recent = RecentTokenChecks(10, clock=Clock())
    recent.remember("a")
    recent.clear()
    assert not recent.accepted_recently("a")


def test_zero_ttl_disables_the_cache():
    recent = RecentTokenChecks(0, clock=Clock())
    recent.remember("a")
    assert not recent.accepted_recently("a")


def test_size_is_bounded():
    clock = Clock()
    recent = RecentTokenChecks(10, max_entries=3, clock=clock)
    for key in "abc":
        recent.remember(key)
    clock.now += 11  # all three expired: pruned when the next one arrives
    recent.remember("d")
    assert recent.accepted_recently("d") and len(recent._accepted) == 1
    for key in "efg":  # full of live entries: starts over rather than grow
        recent.remember(key)
    assert len(recent._accepted) <= 3
