"""The drift report view: the chart shows every column, the table, distributions, history."""

from __future__ import annotations

from .test_model_view import command, open_lab, shots, views_lab  # noqa: F401


def test_drift_view_charts_every_column(browser, views_lab, output_dir):  # noqa: F811
    from playwright.sync_api import expect

    base, ids = views_lab
    page, errors = open_lab(browser, base)
    command(page, "mlops:open-drift", {"id": ids["report"]})
    view = page.locator(f".jp-mlops-drift-view[data-report='{ids['report']}']")
    chart = view.locator(".jp-mlops-drift-chart[data-rendered='true']")
    expect(chart).to_be_visible(timeout=60_000)
    rows = view.locator(".jp-mlops-drift-table .jp-mlops-vrow:not(.jp-mlops-vhead)")
    expect(rows).to_have_count(5)
    columns = {t.strip() for t in rows.locator("button.jp-mlops-link").all_inner_texts()}
    assert columns == {"age", "income", "visits", "tenure", "plan"}
    # Every tested column has its tick on the chart, none thinned out by plotly.
    ticks = {t.strip() for t in chart.locator(".xtick text").all_text_contents()}
    assert ticks == columns, ticks
    # The chart spans the view, not a sidebar's 250 pixels.
    assert chart.bounding_box()["width"] > 900
    expect(view.locator(".jp-mlops-drifted-row")).to_contain_text(["income"])
    view.locator(".jp-mlops-drift-table button", has_text="income").click()
    expect(view.locator(".jp-mlops-distribution[data-column='income'] "
                        ".jp-mlops-figure[data-rendered='true']")).to_be_visible(timeout=30_000)
    links = view.locator(".jp-mlops-view-links")
    expect(links).to_contain_text("customers@1")
    expect(links).to_contain_text("churn@champion")
    history = view.locator(".jp-mlops-drift-history")
    expect(history).to_contain_text("2 saved reports", timeout=30_000)
    expect(history.locator(".jp-mlops-figure[data-rendered='true'] .scatterlayer .point")
           ).to_have_count(2, timeout=30_000)
    shots(page, output_dir, "drift",
          lambda: expect(chart).to_have_attribute("data-theme", "JupyterLab Dark",
                                                  timeout=30_000))
    links.locator("button", has_text="churn@champion").click()
    expect(page.locator(".jp-mlops-model-view[data-model='churn'][data-version='1']")
           ).to_be_visible(timeout=30_000)
    assert not errors, errors
    page.close()
