//! Dates as the API writes them.
use chrono::NaiveDate;

/// `YYYY-MM-DD`, as chrono's `%Y-%m-%d` writes it, without parsing a format
/// string for every date of a page.
pub fn iso_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    if !(0..=9999).contains(&d.year()) {
        return d.format("%Y-%m-%d").to_string();
    }
    // Digits by hand: `write!` with widths cost ~40x as much (a page writes
    // one per row and one per cursor).
    let (y, m, day) = (d.year().unsigned_abs(), d.month(), d.day());
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let mut s = String::with_capacity(10);
    for n in [y / 1000, y / 100, y / 10, y] {
        s.push(digit(n));
    }
    s.push('-');
    s.push(digit(m / 10));
    s.push(digit(m));
    s.push('-');
    s.push(digit(day / 10));
    s.push(digit(day));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_are_written_as_chrono_writes_them() {
        for (y, m, d) in [
            (2024, 12, 31),
            (1, 1, 1),
            (999, 7, 4),
            (9999, 12, 31),
            (0, 2, 29),
            (-1, 3, 1),
            (10000, 1, 1),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("date");
            assert_eq!(iso_date(date), date.format("%Y-%m-%d").to_string());
        }
        // Every year written by hand, at its first and last day and in between.
        for y in 0..=9999 {
            for (m, d) in [(1, 1), (2, 28), (10, 9), (12, 31)] {
                let date = NaiveDate::from_ymd_opt(y, m, d).expect("date");
                assert_eq!(iso_date(date), date.format("%Y-%m-%d").to_string());
            }
        }
    }
}
