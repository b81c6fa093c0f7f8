"""What an installed tonecls needs: its data inside the package, checked against the model, and a CLI that behaves."""

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import tonecls
from tonecls import resources
from tonecls.cli import cli
from tonecls.model_file import load_model

from .conftest import TINY_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
TEXT = "We strongly condemn the attack on our border post."


def test_shipped_model_is_package_data_and_the_default():
    path = resources.shipped_model_path()
    assert path.is_file() and path.name == "tonecls.model"
    assert (path.parent / "tonecls.card.md").is_file()
    assert load_model(path).path_ == path


def test_shipped_punkt_parameters_are_trained_on_the_current_statements():
    spec = importlib.util.spec_from_file_location("train_punkt", ROOT / "scripts" / "train_punkt.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    shipped = resources.read_text(resources.PUNKT)
    assert shipped == script.punkt_json(ROOT), "statements/ changed: run `python scripts/train_punkt.py`"


@pytest.mark.parametrize("name", [resources.GAZETTEER, resources.CUES])
def test_an_edited_resource_makes_classify_refuse_in_one_line(monkeypatch, name):
    original = resources.read_bytes

    def edited(requested: str) -> bytes:
        data = original(requested)
        return data + b"country\tAtlantis\n" if requested == name else data

    monkeypatch.setattr(resources, "read_bytes", edited)
    result = CliRunner().invoke(cli, ["classify", TEXT])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"trained with another {name}" in lines[0] and "retrain" in lines[0]


def test_a_model_without_the_resource_it_does_not_use_still_loads(monkeypatch, tmp_path, tiny_data):
    from dataclasses import replace

    result = tonecls.train([tiny_data], settings=replace(TINY_SETTINGS, cues=False), folds=2, repeats=0)
    path = tonecls.save_model(result.model, tmp_path / "nocues.model")
    original = resources.read_bytes
    monkeypatch.setattr(resources, "read_bytes", lambda n: original(n) + (b"x" if n == resources.CUES else b""))
    assert load_model(path).classify(TEXT)["scores"]


def test_train_can_be_called_twice_from_the_package(tiny_data):
    first = tonecls.train([tiny_data], settings=TINY_SETTINGS, folds=2, repeats=0)
    second = tonecls.train([tiny_data], settings=TINY_SETTINGS, folds=2, repeats=0)
    assert (first.model.coef_ == second.model.coef_).all()


def test_short_help_and_version():
    runner = CliRunner()
    assert runner.invoke(cli, ["-h"]).output == runner.invoke(cli, ["--help"]).output
    assert "Shell completion" in runner.invoke(cli, ["-h"]).output
    assert runner.invoke(cli, ["score", "-h"]).exit_code == 0
    version = runner.invoke(cli, ["--version"])
    assert version.exit_code == 0 and tonecls.__version__ in version.output


def outside_a_checkout(monkeypatch):
    import tonecls.training

    monkeypatch.setattr(tonecls.training, "checkout_root", lambda: None)
    monkeypatch.delenv("TONECLS_MODEL", raising=False)


def test_train_outside_a_checkout_needs_data_and_out(monkeypatch, tiny_data, tmp_path):
    outside_a_checkout(monkeypatch)
    runner = CliRunner()
    no_data = runner.invoke(cli, ["train"])
    assert no_data.exit_code == 1 and "give the label files or folders to train on" in no_data.output
    no_out = runner.invoke(cli, ["train", str(tiny_data)])
    assert no_out.exit_code == 1 and "give --out" in no_out.output
    inside = resources.shipped_model_path().parent / "mine.model"
    refused = runner.invoke(cli, ["train", str(tiny_data), "--out", str(inside), "--repeats", "0"])
    assert refused.exit_code == 1 and "inside the installed tonecls package" in refused.output
    assert not inside.exists()
    out = tmp_path / "mine.model"
    made = runner.invoke(cli, ["train", str(tiny_data), "--out", str(out), "--repeats", "0", "--set", "C=1"])
    assert made.exit_code == 0, made.output
    assert load_model(out).classify(TEXT)["tones"]


def test_train_in_a_checkout_defaults_to_its_statements(monkeypatch):
    from tonecls.training import default_training_paths

    monkeypatch.delenv("TONECLS_MODEL", raising=False)
    data, out = default_training_paths([], None)
    assert data == [ROOT / "statements"] and out == resources.shipped_model_path()


def test_card_paths_are_relative_to_the_checkout():
    card = json.loads(json.dumps(load_model(resources.shipped_model_path()).card_))
    assert all(not f["path"].startswith("/") for f in card["training_files"])
