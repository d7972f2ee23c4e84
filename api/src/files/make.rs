//! Files made to measure: valid PDFs and ZIPs of an exact size, for the demo's
//! documents (the seed page's "411.13 KB - PDF" is a file of 421,002 bytes)
//! and for benchmark data. Deterministic: the same arguments give the same
//! bytes.

/// Filler text: readable, and the same every time.
fn filler(len: usize) -> Vec<u8> {
    const LINE: &[u8] = b"Partnerships CMS demo file: this text fills the document to its size.\n";
    LINE.iter().copied().cycle().take(len).collect()
}

/// A one-page PDF showing `title`, exactly `size` bytes long (at least
/// [`MIN_PDF`]): the page's content stream carries the filler, and the
/// cross-reference table points at every object.
pub fn pdf(title: &str, size: usize) -> Option<Vec<u8>> {
    // Only characters that need no escaping in a PDF string.
    let title: String = title
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || " .,-:".contains(*c))
        .take(80)
        .collect();
    let text = format!("BT /F1 18 Tf 72 720 Td ({title}) Tj ET\n");
    // Everything but the filler, with a filler of `pad` bytes.
    let build = |pad: usize| -> Vec<u8> {
        let mut content = text.clone().into_bytes();
        content.extend_from_slice(b"% ");
        content.extend(filler(pad));
        content.push(b'\n');
        let objects: Vec<Vec<u8>> = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_vec(),
            {
                let mut s = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
                s.extend_from_slice(&content);
                s.extend_from_slice(b"endstream");
                s
            },
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        ];
        let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    };
    fit(size, build)
}

/// The smallest size [`pdf`] makes.
pub const MIN_PDF: usize = 1024;

/// A ZIP archive (entries stored, not compressed) exactly `size` bytes long:
/// a `README.txt` naming `title`, then the given entries, then a filler
/// entry that makes up the size.
pub fn zip(title: &str, entries: &[(&str, &[u8])], size: usize) -> Option<Vec<u8>> {
    let readme = format!("{title}\n");
    let build = |pad: usize| -> Vec<u8> {
        let filler = filler(pad);
        let mut all: Vec<(&str, &[u8])> = vec![("README.txt", readme.as_bytes())];
        all.extend_from_slice(entries);
        all.push(("filler.txt", &filler));
        zip_of(&all).unwrap_or_default()
    };
    fit(size, build)
}

/// The bytes of a ZIP archive of stored entries; `None` beyond what a ZIP
/// without its 64-bit extension holds (4 GiB, 65,535 entries).
pub fn zip_of(entries: &[(&str, &[u8])]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    // 1 January 2022, 00:00, in MS-DOS form: the same bytes every time.
    let (time, date): (u16, u16) = (0, (42 << 9) | (1 << 5) | 1);
    for (name, data) in entries {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let crc = crc.sum();
        let len = u32::try_from(data.len()).ok()?;
        let name_len = u16::try_from(name.len()).ok()?;
        let offset = u32::try_from(out.len()).ok()?;
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&0u16.to_le_bytes()); // stored
            v.extend_from_slice(&time.to_le_bytes());
            v.extend_from_slice(&date.to_le_bytes());
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&len.to_le_bytes());
            v.extend_from_slice(&len.to_le_bytes());
            v.extend_from_slice(&name_len.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        common(&mut central);
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let start = u32::try_from(out.len()).ok()?;
    let count = u16::try_from(entries.len()).ok()?;
    let central_len = u32::try_from(central.len()).ok()?;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&central_len.to_le_bytes());
    out.extend_from_slice(&start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Some(out)
}

/// The output of `build(pad)` that is exactly `size` bytes: the pad is the
/// size less the frame, corrected while numbers written in the frame (a
/// length, an offset) change their number of digits. `None` when `size` is
/// below the frame.
fn fit(size: usize, build: impl Fn(usize) -> Vec<u8>) -> Option<Vec<u8>> {
    let frame = build(0).len();
    let mut pad = size.checked_sub(frame)?;
    for _ in 0..8 {
        let out = build(pad);
        match out.len().cmp(&size) {
            std::cmp::Ordering::Equal => return Some(out),
            std::cmp::Ordering::Greater => pad = pad.checked_sub(out.len() - size)?,
            std::cmp::Ordering::Less => pad += size - out.len(),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::sniff::{sniff, KNOWN};
    use std::io::Write;

    fn format_of(bytes: &[u8], name: &str) -> &'static str {
        let mut f = tempfile::NamedTempFile::new().expect("temp");
        f.write_all(bytes).expect("write");
        let all: Vec<_> = KNOWN.iter().collect();
        sniff(f.path(), name, &all, "file").map_or("refused", |a| a.format)
    }

    #[test]
    fn the_seed_pages_files_have_their_exact_sizes_and_formats() {
        let plan = pdf("Multiannual indicative programme 2021-2027 Peru", 421_002).expect("pdf");
        assert_eq!(plan.len(), 421_002);
        assert_eq!(format_of(&plan, "plan.pdf"), "PDF");
        let text = String::from_utf8_lossy(&plan);
        // The cross-reference table points at each object.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert!(plan[xref_at..].starts_with(b"xref"));
        let table = String::from_utf8_lossy(&plan[xref_at..]);
        for (i, line) in table.lines().skip(3).take(5).enumerate() {
            let at: usize = line[..10].parse().expect("offset");
            assert!(plan[at..].starts_with(format!("{} 0 obj", i + 1).as_bytes()));
        }
        for size in [1_541_406, 576_727] {
            let z = zip("Annual action plan", &[], size).expect("zip");
            assert_eq!(z.len(), size);
            assert_eq!(format_of(&z, "plan.zip"), "ZIP");
        }
        assert_eq!(pdf("t", 10), None, "below the frame");
        assert_eq!(pdf("same", 5000), pdf("same", 5000));
    }

    #[test]
    fn office_files_are_told_from_plain_zips_by_their_entries() {
        let docx = zip_of(&[
            ("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#),
            ("word/document.xml", b"<w:document/>"),
        ])
        .expect("a small zip");
        assert_eq!(format_of(&docx, "a.docx"), "DOCX");
        assert_eq!(
            format_of(&docx, "a.zip"),
            "refused",
            "the name says zip, the bytes docx"
        );
    }
}
