//! Sizes as people read them on a page: the seed's "411.13 KB - PDF".

/// A file size as the partner pages print it: bytes below 1 KB, then KB, MB,
/// GB or TB (of 1,024) with two decimals, rounded half up; a value that
/// rounds to 1,024.00 of one unit is 1.00 of the next. A negative size
/// (never stored) reads as 0 B.
pub fn size_label(bytes: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    let bytes = u64::try_from(bytes).unwrap_or(0);
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    // Hundredths of the unit, in integers: no float rounding at the edges.
    let mut scale: u128 = 1024;
    for (i, unit) in UNITS.iter().enumerate() {
        let hundredths = (u128::from(bytes) * 100 + scale / 2) / scale;
        if hundredths < 1024 * 100 || i == UNITS.len() - 1 {
            return format!("{}.{:02} {unit}", hundredths / 100, hundredths % 100);
        }
        scale *= 1024;
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::size_label;

    #[test]
    fn the_seed_pages_sizes_read_as_the_seed_prints_them() {
        assert_eq!(size_label(421_002), "411.13 KB");
        assert_eq!(size_label(1_541_406), "1.47 MB");
        assert_eq!(size_label(576_727), "563.21 KB");
        assert_eq!(size_label(291_994), "285.15 KB");
    }

    #[test]
    fn edges_round_into_the_next_unit() {
        assert_eq!(size_label(0), "0 B");
        assert_eq!(size_label(-5), "0 B");
        assert_eq!(size_label(1023), "1023 B");
        assert_eq!(size_label(1024), "1.00 KB");
        assert_eq!(size_label(1_048_575), "1.00 MB");
        assert_eq!(size_label(1_048_576), "1.00 MB");
        assert_eq!(size_label(5 * 1024 * 1024 * 1024), "5.00 GB");
        assert_eq!(size_label(i64::MAX), "8388608.00 TB");
    }
}
