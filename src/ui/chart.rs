//! Bar charts as plain SVG, laid out by a pure function (unit-tested) and rendered on the
//! server like any other markup: no chart library, no script, readable without colour
//! (every chart also carries its numbers as a visually hidden table for screen readers).

use leptos::prelude::*;

/// Drawing area of every chart (the SVG scales to its container).
pub const WIDTH: f64 = 600.0;
pub const HEIGHT: f64 = 200.0;
const LEFT: f64 = 32.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

/// One category (a day, a week) with one value per series.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub label: String,
    pub values: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub series: usize,
    pub value: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub bars: Vec<Bar>,
    /// (y, value) of the horizontal grid lines.
    pub ticks: Vec<(f64, i64)>,
    /// (x, text) of the category labels shown (every n-th when crowded).
    pub labels: Vec<(f64, String)>,
}

/// A "nice" upper bound for the axis: 1, 2, 5 × 10ⁿ at or above `max` (at least 1).
pub fn nice_max(max: i64) -> i64 {
    let max = max.max(1);
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= max {
                return m * step;
            }
        }
        step *= 10;
    }
}

/// Places the bars of `cats` (series side by side within a category).
pub fn layout(cats: &[Category]) -> Layout {
    let series = cats
        .iter()
        .map(|c| c.values.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let top = nice_max(
        cats.iter()
            .flat_map(|c| c.values.iter().copied())
            .max()
            .unwrap_or(0),
    );
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = if cats.is_empty() {
        plot_w
    } else {
        plot_w / cats.len() as f64
    };
    let gap = (slot * 0.2).min(6.0);
    let bar_w = ((slot - gap) / series as f64).max(1.0);
    let mut bars = Vec::new();
    for (i, c) in cats.iter().enumerate() {
        for (s, v) in c.values.iter().enumerate() {
            let h = plot_h * (*v).max(0) as f64 / top as f64;
            bars.push(Bar {
                x: LEFT + i as f64 * slot + gap / 2.0 + s as f64 * bar_w,
                y: TOP + plot_h - h,
                w: bar_w,
                h,
                series: s,
                value: *v,
            });
        }
    }
    let ticks = [0, top / 2, top]
        .into_iter()
        .map(|v| (TOP + plot_h - plot_h * v as f64 / top as f64, v))
        .collect();
    // At most ~8 labels, so they never overlap on a phone.
    let every = cats.len().div_ceil(8).max(1);
    let labels = cats
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, c)| (LEFT + i as f64 * slot + slot / 2.0, c.label.clone()))
        .collect();
    Layout {
        bars,
        ticks,
        labels,
    }
}

fn r(v: f64) -> String {
    format!("{v:.1}")
}

/// A bar chart with a title, a legend (for several series) and its data as a hidden table.
#[component]
pub fn BarChart(
    id: &'static str,
    title: String,
    /// Names of the series (one per value of a category).
    series: Vec<&'static str>,
    cats: Vec<Category>,
) -> impl IntoView {
    let l = layout(&cats);
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let total: Vec<i64> = (0..series.len())
        .map(|s| {
            cats.iter()
                .map(|c| c.values.get(s).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let desc = series
        .iter()
        .zip(&total)
        .map(|(n, t)| format!("{n}: {t}"))
        .collect::<Vec<_>>()
        .join(", ");
    let labelled = format!("{title_id} {desc_id}");
    view! {
        <figure class="chart" data-testid=id>
            <figcaption id=title_id.clone()>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby=labelled preserveAspectRatio="none">
                <title>{title.clone()}</title>
                <desc id=desc_id>{desc}</desc>
                {l.ticks.iter().map(|(y, v)| view! {
                    <line class="chart-grid" x1=r(LEFT) x2=r(WIDTH) y1=r(*y) y2=r(*y)></line>
                    <text class="chart-axis" x=r(LEFT - 4.0) y=r(*y + 4.0) text-anchor="end">{v.to_string()}</text>
                }).collect_view()}
                {l.bars.iter().map(|b| view! {
                    <rect class=format!("chart-bar chart-s{}", b.series) x=r(b.x) y=r(b.y) width=r(b.w) height=r(b.h)>
                        <title>{b.value.to_string()}</title>
                    </rect>
                }).collect_view()}
                {l.labels.iter().map(|(x, t)| view! {
                    <text class="chart-axis" x=r(*x) y=r(HEIGHT - 6.0) text-anchor="middle">{t.clone()}</text>
                }).collect_view()}
            </svg>
            {(series.len() > 1).then(|| view! {
                <ul class="chart-legend">
                    {series.iter().enumerate().map(|(i, n)| view! { <li><span class=format!("chart-key chart-s{i}")></span>{*n}</li> }).collect_view()}
                </ul>
            })}
            <table class="visually-hidden">
                <caption>{title}</caption>
                <thead><tr><th scope="col"></th>{series.iter().map(|n| view! { <th scope="col">{*n}</th> }).collect_view()}</tr></thead>
                <tbody>
                    {cats.iter().map(|c| view! {
                        <tr><th scope="row">{c.label.clone()}</th>{c.values.iter().map(|v| view! { <td>{v.to_string()}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(label: &str, values: &[i64]) -> Category {
        Category {
            label: label.into(),
            values: values.to_vec(),
        }
    }

    #[test]
    fn axis_tops_are_round_numbers() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(3), 5);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(500), 500);
        assert_eq!(nice_max(501), 1000);
    }

    #[test]
    fn bars_are_proportional_and_sit_on_the_baseline() {
        let l = layout(&[cat("Mo", &[10]), cat("Di", &[5]), cat("Mi", &[0])]);
        assert_eq!(l.bars.len(), 3);
        let base = l.bars[0].y + l.bars[0].h;
        for b in &l.bars {
            assert!((b.y + b.h - base).abs() < 1e-9, "{b:?}");
        }
        assert!((l.bars[0].h - 2.0 * l.bars[1].h).abs() < 1e-9);
        assert_eq!(l.bars[2].h, 0.0);
        assert!(l.bars[0].x < l.bars[1].x && l.bars[1].x < l.bars[2].x);
        assert_eq!(l.ticks.iter().map(|t| t.1).collect::<Vec<_>>(), [0, 5, 10]);
    }

    #[test]
    fn series_stand_side_by_side_and_labels_thin_out() {
        let cats: Vec<_> = (0..30).map(|d| cat(&d.to_string(), &[d, 30 - d])).collect();
        let l = layout(&cats);
        assert_eq!(l.bars.len(), 60);
        assert!(l.bars[1].x > l.bars[0].x && l.bars[1].series == 1);
        assert!(l.labels.len() <= 8);
        assert!(l.bars.iter().all(|b| b.x + b.w <= WIDTH + 1e-9));
    }
}
