"""Settings and the URL: a link reproduces every setting; values it cannot use are named."""

import pytest

from demos.playground.settings import (
    DEFAULTS,
    LEARNING_RATES,
    MAX_HIDDEN_LAYERS,
    Settings,
    settings_from_query,
    settings_to_query,
)

CUSTOM = Settings(dataset="spiral", noise=25, train_percent=70, classes=3, seed=42,
                  features=("x1", "x2", "sinx1"), hidden=(8, 8, 2), activation="relu", loss="ce",
                  optimizer="adam", lr=0.003, batch=10, regularization="l2", reg_rate=0.01, epochs=500, every=25)


def test_a_link_reproduces_every_setting():
    query = settings_to_query(CUSTOM)
    assert settings_from_query(query) == (CUSTOM, [])


def test_no_hidden_layer_has_a_name_in_the_link():
    query = settings_to_query(DEFAULTS.replace(hidden=()))
    assert query["hidden"] == "none"
    assert settings_from_query(query)[0].hidden == ()


def test_every_field_is_in_the_link():
    query = settings_to_query(DEFAULTS)
    assert len(query) == len(Settings.__dataclass_fields__)
    assert query["data"] == "xor4" and query["hidden"] == "3" and query["lr"] == "0.1"


def test_an_empty_link_gives_the_defaults():
    assert settings_from_query({}) == (DEFAULTS, [])


@pytest.mark.parametrize("name, value, hint", [
    ("lr", "banana", "not a number"),
    ("lr", "0.5", "one of"),
    ("hidden", "4,0", "of 1 to 32 neurons"),
    ("hidden", ",".join(["2"] * (MAX_HIDDEN_LAYERS + 1)), "up to 6 layers"),
    ("features", "x1,x3", "features are some of"),
    ("data", "mnist", "one of xor4"),
    ("epochs", "5", "from 100 to 10000"),
    ("noise", "1.5", "not a number"),
])
def test_unusable_values_keep_the_default_and_say_why(name, value, hint):
    settings, problems = settings_from_query({name: value, "seed": "7"})
    assert settings == DEFAULTS.replace(seed=7)
    assert len(problems) == 1 and problems[0].startswith(f"{name}={value} ignored: ") and hint in problems[0]


def test_features_come_in_the_pages_order_without_repeats():
    assert settings_from_query({"features": "sinx2,x1,x1"})[0].features == ("x1", "sinx2")


def test_lists_from_repeated_parameters_take_the_last_value():
    assert settings_from_query({"lr": ["1", "0.3"]})[0].lr == 0.3


def test_learning_rates_cover_the_seed_apps_range():
    assert min(LEARNING_RATES) <= 0.001 and 1.0 in LEARNING_RATES and DEFAULTS.lr == 0.1
