"""Result directories under faults and misuse: self-describing results, the shard journal, the
lock, corrupt or tampered files, and every ordinary failure reported as one clear error before
anything is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from bandits import run
from bandits.cli import main
from bandits.experiment import (
    ConfigError,
    ResultDirectoryError,
    load_results,
    result_directory,
    run_experiment,
)
from bandits.experiment.result_directory import DirectoryLock, read_manifest
from bandits.report import write_report


def config(**overrides):
    base = {
        "name": "small",
        "horizon": 300,
        "n_replications": 6,
        "seed": 3,
        "chunk_size": 2,
        "record_points": [1, 10, 100, 300],
        "environments": [{"name": "BernoulliBandit", "means": [0.2, 0.5, 0.7]}],
        "policies": [{"name": "ucb1"}, {"name": "thompson_beta"}],
    }
    base.update(overrides)
    return base


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("finished") / "out"
    run_experiment(config(), out)
    return out


def _copy(source: Path, target: Path) -> Path:
    import shutil

    shutil.copytree(source, target)
    return target


def test_a_finished_directory_holds_its_layout_and_no_journal(finished):
    manifest = json.loads((finished / "manifest.json").read_text())
    assert manifest["format"] == 2
    assert manifest["layout"]["record_points"] == [1, 10, 100, 300]
    assert manifest["layout"]["policy_labels"] == ["ucb1", "thompson_beta"]
    assert manifest["layout"]["time_units"] == ["time step"]
    assert manifest["layout"]["chunks"] == [[0, 2], [2, 4], [4, 6]]
    assert len(manifest["shards"]) == 6 and not (finished / "journal.jsonl").exists()


def test_recording_a_shard_does_not_rewrite_the_manifest(tmp_path, monkeypatch):
    """The manifest is written twice per run (start and end) however many shards there are:
    shards are recorded by appending to the journal."""
    writes = []
    original = result_directory.write_manifest

    def counting(out, manifest):
        writes.append(len(manifest["shards"]))
        original(out, manifest)

    monkeypatch.setattr("bandits.experiment.store.write_manifest", counting)
    monkeypatch.setattr(result_directory, "write_manifest", counting)
    run_experiment(config(n_replications=40, chunk_size=1), tmp_path / "many")  # 80 shards
    assert writes == [0, 80]


def test_a_torn_journal_line_is_ignored_and_its_shard_recomputed(finished, tmp_path):
    out = _copy(finished, tmp_path / "out")
    manifest = json.loads((out / "manifest.json").read_text())
    names = sorted(manifest["shards"])
    lines = [json.dumps({"shard": n, "sha256": manifest["shards"][n]}) for n in names[:4]]
    manifest["shards"] = {}
    manifest["finished"] = None
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "journal.jsonl").write_text("\n".join(lines) + "\n" + '{"shard": "shards/env0/po')  # killed mid-append
    partial = load_results(out)
    assert partial["incomplete"] == [0] and partial["corrupt"] == []
    resumed = run_experiment(config(), out)["environments"][0].result
    reference = load_results(finished)["environments"][0].result
    np.testing.assert_array_equal(resumed.cumulative_regret, reference.cumulative_regret)
    assert not (out / "journal.jsonl").exists()


def test_a_streaming_experiment_loads_with_the_record_points_it_stored(tmp_path):
    streaming = config(horizon=100_000, record_points=None, n_replications=2, chunk_size=2,
                       environments=[{"name": "StreamingBandit", "arms": "mix-in", "n_arms": 20, "memory": 6}],
                       policies=[{"name": "uniform_exploration"}])
    streaming.pop("record_points")
    loaded = run_experiment(streaming, tmp_path / "out")
    stored = read_manifest(tmp_path / "out")["layout"]["record_points"]
    result = loaded["environments"][0].result
    assert result.record_points.tolist() == stored and result.cumulative_regret.shape[-1] == len(stored) < 200


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["layout"].__setitem__("record_points", [1, 10, 100, 299]), "layout .* was modified"),
    (lambda m: m.pop("format"), "older regretlab"),
    (lambda m: m.__setitem__("shards", None), "'shards' must be a JSON object"),
    (lambda m: m.pop("config"), "'config' must be a JSON object"),
])
def test_an_edited_manifest_is_refused_with_a_message(finished, tmp_path, edit, message):
    out = _copy(finished, tmp_path / "out")
    manifest = json.loads((out / "manifest.json").read_text())
    edit(manifest)
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ResultDirectoryError, match=f"^out: .*{message}"):
        load_results(out)


def test_a_manifest_that_is_a_json_list_is_refused(finished, tmp_path):
    out = _copy(finished, tmp_path / "out")
    (out / "manifest.json").write_text("[1, 2]")
    with pytest.raises(ResultDirectoryError, match="not a regretlab manifest"):
        load_results(out)
    assert main(["report", str(out)]) == 2


def test_a_shard_tampered_with_its_checksum_updated_is_refused(finished, tmp_path):
    import hashlib

    out = _copy(finished, tmp_path / "out")
    manifest = json.loads((out / "manifest.json").read_text())
    name = min(manifest["shards"])
    with np.load(out / name) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["cumulative_regret"] = arrays["cumulative_regret"][:, :3]  # one record point fewer
    np.savez(out / name, **arrays)
    manifest["shards"][name] = hashlib.sha256((out / name).read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ResultDirectoryError, match="does not match the manifest's layout: cumulative_regret"):
        load_results(out)


def test_report_on_a_corrupt_shard_says_so_and_exits_non_zero(finished, tmp_path, capsys):
    out = _copy(finished, tmp_path / "out")
    shard = next((out / "shards").rglob("*.npz"))
    shard.write_bytes(shard.read_bytes()[:-10] + b"0123456789")
    assert load_results(out)["corrupt"] == [str(shard.relative_to(out))]
    with pytest.raises(ResultDirectoryError, match="corrupt"):
        write_report(out)
    assert main(["report", str(out)]) == 2
    assert "corrupt" in capsys.readouterr().err
    resumed = run_experiment(config(), out)  # the same command recomputes it
    assert resumed["corrupt"] == [] and resumed["incomplete"] == []


def test_a_second_run_into_a_locked_directory_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with DirectoryLock(out), pytest.raises(ResultDirectoryError, match=f"being written by another regretlab run \\(pid {os.getpid()}\\)"):
        run_experiment(config(), out)
    run_experiment(config(), out)  # the lock is released with its holder


def test_invalid_horizons_and_paths_are_refused_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=r"horizon: must be at most 2\^63 - 1"):
        run_experiment(config(horizon=2**70), out)
    assert not out.exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for target, message in ((blocker, "is a file, not a directory"), (blocker / "below", "is a file, so")):
        with pytest.raises(ResultDirectoryError, match=message):
            run_experiment(config(), target)
    assert blocker.read_text() == "x"
    path = tmp_path / "config.toml"
    path.write_text('name = "x"\nhorizon = 10\nn_replications = 1\n'
                    '[[environments]]\nname = "BernoulliBandit"\nmeans = [0.5, 0.6]\n[[policies]]\nname = "ucb1"\n')
    assert main(["run", str(path), "--out", str(blocker / "below"), "--no-progress"]) == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error and error.count("\n") == 1 and "is a file, so" in error


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind the super-user")
def test_an_unwritable_parent_is_refused_before_anything_is_written(tmp_path):
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(ResultDirectoryError, match="not writable"):
            run_experiment(config(), parent / "out")
    finally:
        parent.chmod(0o700)


def test_config_files_that_are_directories_or_not_utf8_are_named(tmp_path, capsys):
    with pytest.raises(ConfigError, match="is a directory"):
        run_experiment(tmp_path, tmp_path / "out")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "caf\u00e9"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="latin.toml is not UTF-8"):
        run_experiment(latin, tmp_path / "out")
    assert main(["run", str(latin), "--out", str(tmp_path / "out"), "--no-progress"]) == 2
    assert "not UTF-8" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_run_refuses_replications_outside_n_replications():
    from bandits import UCB1
    from environments import BernoulliBandit

    with pytest.raises(ValueError, match=r"^replications\[1\]: "):
        run(BernoulliBandit([0.2, 0.5]), [UCB1()], horizon=10, n_replications=3, seed=0, replications=[0, 3])


def test_a_full_disk_is_one_clear_error_and_the_finished_shards_are_kept(tmp_path, monkeypatch, capsys):
    import errno

    from bandits.experiment import store

    written = []
    original = store.atomic_write_bytes

    def filling(path, data):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(path)
        original(path, data)

    monkeypatch.setattr(store, "atomic_write_bytes", filling)
    out = tmp_path / "out"
    with pytest.raises(ResultDirectoryError, match="the disk is full: free some space and run the same command again"):
        run_experiment(config(), out)
    monkeypatch.setattr(store, "atomic_write_bytes", original)
    kept = load_results(out)
    assert kept["incomplete"] == [0] and kept["corrupt"] == []
    resumed = run_experiment(config(), out)
    assert resumed["incomplete"] == []


def test_default_record_points_are_sparse_and_end_at_the_horizon():
    from bandits.runner import default_record_points

    points = default_record_points(10_000)
    assert points[:100].tolist() == list(range(1, 101)) and points[-1] == 10_000 and points.size <= 600
    assert np.all(np.diff(points) > 0)
    huge = default_record_points(2**63 - 1)
    assert huge[-1] == 2**63 - 1 and huge.dtype == np.int64 and np.all(np.diff(huge) > 0)


def test_the_default_experiment_fits_in_ten_megabytes_with_small_figures(tmp_path):
    """experiments/default.toml (6 policies, T = 10^4, 100 replications) with its report: at
    most 10 MB on disk (compressed shards, sparse record points; it was 96 MB), and every SVG
    figure under 500 KB (it was 3.1 MB)."""
    import zipfile

    out = tmp_path / "default"
    repo = Path(__file__).resolve().parents[2]
    run_experiment(repo / "experiments" / "default.toml", out)
    write_report(out)
    total = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    assert total <= 10 * 2**20, total
    assert all(path.stat().st_size < 500 * 2**10 for path in out.glob("*.svg"))
    shard = next((out / "shards").rglob("*.npz"))
    with zipfile.ZipFile(shard) as archive:
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())


@pytest.fixture
def remountable_file_system(tmp_path):
    """A small tmpfs mounted under ``tmp_path`` (needs the right to mount: skipped otherwise);
    yields a function that remounts it read-only."""
    import shutil
    import subprocess

    mount_point = tmp_path / "volume"
    mount_point.mkdir()
    if shutil.which("mount") is None or subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount_point)], capture_output=True
    ).returncode != 0:
        pytest.skip("cannot mount a file system here (needs root with CAP_SYS_ADMIN)")

    def make_read_only():
        subprocess.run(["mount", "-o", "remount,ro", str(mount_point)], check=True, capture_output=True)

    try:
        yield mount_point, make_read_only
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_a_read_only_file_system_is_one_clear_error_and_its_results_still_load(remountable_file_system, tmp_path,
                                                                               capsys):
    """A real read-only file system: results written before it became read-only load; a run
    into it and a report rewrite each end with one line naming the path (exit 2)."""
    volume, make_read_only = remountable_file_system
    path = tmp_path / "config.toml"
    path.write_text('name = "x"\nhorizon = 10\nn_replications = 2\n'
                    '[[environments]]\nname = "BernoulliBandit"\nmeans = [0.5, 0.6]\n[[policies]]\nname = "ucb1"\n')
    assert main(["run", str(path), "--out", str(volume / "done"), "--no-progress", "--no-report"]) == 0
    make_read_only()
    assert load_results(volume / "done")["incomplete"] == []
    capsys.readouterr()
    assert main(["run", str(path), "--out", str(volume / "new"), "--no-progress"]) == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error and error.count("\n") == 1 and "read-only" in error and str(volume) in error
    assert main(["report", str(volume / "done")]) == 2
    error = capsys.readouterr().err
    assert "Traceback" not in error and error.count("\n") == 1 and "read-only" in error
