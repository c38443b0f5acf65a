"""The dataset version view: profile, schema, the runs that read it, a diff."""

from __future__ import annotations

from .test_model_view import command, open_lab, shots, views_lab  # noqa: F401


def test_dataset_view_shows_profile_runs_and_diff(browser, views_lab, output_dir):  # noqa: F811
    from playwright.sync_api import expect

    base, _ids = views_lab
    page, errors = open_lab(browser, base)
    command(page, "mlops:open-dataset", {"name": "customers", "version": 1})
    view = page.locator(".jp-mlops-dataset-view[data-dataset='customers'][data-version='1']")
    profile = view.locator(".jp-mlops-profile-table .jp-mlops-vrow:not(.jp-mlops-vhead)")
    expect(profile).to_have_count(5, timeout=30_000)
    expect(view.locator(".jp-mlops-facts")).to_contain_text("400 rows")
    runs = view.locator(".jp-mlops-dataset-runs")
    expect(runs).to_contain_text("train-logreg")
    expect(runs).to_contain_text("read")
    expect(view.locator(".jp-mlops-dataset-diff .jp-mlops-diff-summary")).not_to_be_empty(
        timeout=30_000)
    shots(page, output_dir, "dataset", lambda: None)
    runs.locator("button", has_text="train-logreg").click()
    # Opening a run is the Run view's command (registered by the shell); it was asked for.
    assert not errors, errors
    page.close()
