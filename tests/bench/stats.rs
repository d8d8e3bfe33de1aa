//! Small statistics for the benchmarks' reports: nearest-rank percentiles and a one-line summary of
//! a series of durations (frame gaps, query times). Nothing here judges a number; it only formats.

use serde_json::Value;

/// The `p`-th percentile (0 < p ≤ 100) by nearest rank; NaN for an empty series.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Numbers of a JSON array (non-numbers skipped).
pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
}

/// Summary of a series of durations in ms.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub n: usize,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

pub fn summarize(values: &[f64]) -> Summary {
    let mut s = values.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    Summary {
        n: s.len(),
        p50: percentile(&s, 50.0),
        p95: percentile(&s, 95.0),
        p99: percentile(&s, 99.0),
        max: s.last().copied().unwrap_or(f64::NAN),
        mean: if s.is_empty() { f64::NAN } else { s.iter().sum::<f64>() / s.len() as f64 },
    }
}

pub fn count_over(values: &[f64], limit: f64) -> usize {
    values.iter().filter(|&&v| v > limit).count()
}

/// "p50 16.7 / p95 17.1 / p99 33.3 / max 50.0 ms (n = 600)".
pub fn line(values: &[f64]) -> String {
    let s = summarize(values);
    format!("p50 {:.1} / p95 {:.1} / p99 {:.1} / max {:.1} ms (n = {})", s.p50, s.p95, s.p99, s.max, s.n)
}

#[test]
fn percentiles_by_nearest_rank() {
    let v: Vec<f64> = (1..=100).map(f64::from).collect();
    assert_eq!(percentile(&v, 50.0), 50.0);
    assert_eq!(percentile(&v, 95.0), 95.0);
    assert_eq!(percentile(&v, 100.0), 100.0);
    assert_eq!(percentile(&[7.0], 99.0), 7.0);
    assert!(percentile(&[], 50.0).is_nan());
    assert_eq!(count_over(&[10.0, 16.7, 16.8, 60.0], 16.7), 2);
}
