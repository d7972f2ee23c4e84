//! What a file is, from its bytes, never from the client: the formats a
//! document may have, recognised by their signatures (and, for the ZIP-based
//! office formats, by the entries inside the ZIP container).
use crate::error::{AppError, AppResult};
use file_format::FileFormat;
use std::path::Path;

/// A format a document's file may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// Its short name, upper case, as pages print it (`PDF`).
    pub format: &'static str,
    pub media_type: &'static str,
    /// The filename extensions that agree with it (lower case).
    pub extensions: &'static [&'static str],
}

/// Every format the CMS knows; which of them a deployment accepts is
/// configured by name ([`accepted`]).
pub const KNOWN: &[Accepted] = &[
    Accepted {
        format: "PDF",
        media_type: "application/pdf",
        extensions: &["pdf"],
    },
    Accepted {
        format: "ZIP",
        media_type: "application/zip",
        extensions: &["zip"],
    },
    Accepted {
        format: "DOCX",
        media_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extensions: &["docx"],
    },
    Accepted {
        format: "XLSX",
        media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extensions: &["xlsx"],
    },
    Accepted {
        format: "PPTX",
        media_type: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        extensions: &["pptx"],
    },
    Accepted {
        format: "ODT",
        media_type: "application/vnd.oasis.opendocument.text",
        extensions: &["odt"],
    },
    Accepted {
        format: "ODS",
        media_type: "application/vnd.oasis.opendocument.spreadsheet",
        extensions: &["ods"],
    },
    Accepted {
        format: "PNG",
        media_type: "image/png",
        extensions: &["png"],
    },
    Accepted {
        format: "JPEG",
        media_type: "image/jpeg",
        extensions: &["jpg", "jpeg"],
    },
    Accepted {
        format: "CSV",
        media_type: "text/csv",
        extensions: &["csv"],
    },
    Accepted {
        format: "TXT",
        media_type: "text/plain",
        extensions: &["txt"],
    },
];

/// The known format of that name (`pdf` or `PDF`).
pub fn named(name: &str) -> Option<&'static Accepted> {
    KNOWN
        .iter()
        .find(|a| a.format.eq_ignore_ascii_case(name.trim()))
}

/// [`sniff`] off the async runtime: it reads the file (its first bytes, and a
/// ZIP's directory) with blocking I/O.
pub async fn sniff_file(
    path: std::path::PathBuf,
    filename: String,
    accepted: Vec<&'static Accepted>,
    field: String,
) -> AppResult<&'static Accepted> {
    tokio::task::spawn_blocking(move || sniff(&path, &filename, &accepted, &field))
        .await
        .map_err(|e| AppError::internal(format!("sniffing a file: {e}")))?
}

/// The format of the file at `path`, as its bytes say, checked against the
/// `accepted` formats and against the extension of the client's `filename`:
/// a format outside the list, or an extension that names another format, is
/// BAD_USER_INPUT (`field`). An extension is what follows the name's last dot
/// when it is 1 to 8 ASCII letters or digits (`report.final version` has
/// none).
pub fn sniff(
    path: &Path,
    filename: &str,
    accepted: &[&'static Accepted],
    field: &str,
) -> AppResult<&'static Accepted> {
    let read = |e: std::io::Error| AppError::internal(format!("reading a spooled upload: {e}"));
    // The ZIP reader below trusts the sizes a ZIP's directory claims (it
    // allocates an entry's size before reading it): a directory is checked
    // first, so a 150-byte ZIP cannot claim 4 GiB.
    check_zip_directory(path, field).map_err(|e| e.unwrap_or_else(read))?;
    let found = FileFormat::from_file(path).map_err(read)?;
    let extension = filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| {
            (1..=8).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    let by_bytes = match found {
        FileFormat::PortableDocumentFormat => named("PDF"),
        FileFormat::Zip => named("ZIP"),
        FileFormat::OfficeOpenXmlDocument => named("DOCX"),
        FileFormat::OfficeOpenXmlSpreadsheet => named("XLSX"),
        FileFormat::OfficeOpenXmlPresentation => named("PPTX"),
        FileFormat::OpendocumentText => named("ODT"),
        FileFormat::OpendocumentSpreadsheet => named("ODS"),
        FileFormat::PortableNetworkGraphics => named("PNG"),
        FileFormat::JointPhotographicExpertsGroup => named("JPEG"),
        // Text says nothing more of itself: a `.csv` name makes it CSV.
        FileFormat::PlainText if extension.as_deref() == Some("csv") => named("CSV"),
        FileFormat::PlainText => named("TXT"),
        _ => None,
    };
    let allowed: Vec<&str> = accepted.iter().map(|a| a.format).collect();
    let Some(format) = by_bytes.filter(|f| accepted.contains(f)) else {
        return Err(AppError::bad_field(
            field,
            format!(
                "the file is {} ({}), which is not accepted here; accepted: {}",
                found.name(),
                found.media_type(),
                allowed.join(", ")
            ),
        ));
    };
    if let Some(ext) = extension.filter(|e| !format.extensions.contains(&e.as_str())) {
        return Err(AppError::bad_field(
            field,
            format!(
                "the file name says .{ext}, but the file is {} ({})",
                format.format, format.media_type
            ),
        ));
    }
    Ok(format)
}

/// Most directory entries [`check_zip_directory`] reads.
const MAX_ENTRIES: usize = 1024;

/// Refuses a ZIP whose directory claims an entry larger than the file itself
/// (a stored entry is no larger than its place in the file; a compressed
/// one's compressed size is), or a `mimetype` entry over 1 KiB (OpenDocument's
/// is a few dozen bytes). Files that are no ZIP pass. An I/O error is `Err(Err)`,
/// a refusal `Err(Ok)`.
fn check_zip_directory(path: &Path, field: &str) -> Result<(), Result<AppError, std::io::Error>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).map_err(Err)?;
    let size = file.metadata().map_err(Err)?.len();
    let mut magic = [0u8; 4];
    if file.read(&mut magic).map_err(Err)? < 4 || magic != *b"PK\x03\x04" {
        return Ok(());
    }
    let refuse = |why: &str| {
        Err(Ok(AppError::bad_field(
            field,
            format!("the ZIP file is malformed: {why}"),
        )))
    };
    // The end-of-directory record is in the last 22 + 65,535 bytes.
    let tail_len = size.min(22 + 65_535);
    file.seek(SeekFrom::Start(size - tail_len)).map_err(Err)?;
    let mut tail = vec![0u8; tail_len as usize];
    file.read_exact(&mut tail).map_err(Err)?;
    let Some(end) = tail.windows(4).rposition(|w| w == b"PK\x05\x06") else {
        return refuse("it has no directory");
    };
    let field16 = |b: &[u8], at: usize| b.get(at..at + 2).map(|x| u16::from_le_bytes([x[0], x[1]]));
    let field32 = |b: &[u8], at: usize| {
        b.get(at..at + 4)
            .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
    };
    let record = &tail[end..];
    let (Some(entries), Some(dir_size), Some(dir_at)) = (
        field16(record, 10),
        field32(record, 12),
        field32(record, 16),
    ) else {
        return refuse("its directory record is cut short");
    };
    let (dir_size, dir_at) = (u64::from(dir_size), u64::from(dir_at));
    if dir_at.saturating_add(dir_size) > size || dir_size > 64 * 1024 * 1024 {
        return refuse("its directory lies outside the file");
    }
    file.seek(SeekFrom::Start(dir_at)).map_err(Err)?;
    let mut dir = vec![0u8; dir_size as usize];
    file.read_exact(&mut dir).map_err(Err)?;
    let mut at = 0usize;
    for _ in 0..usize::from(entries).min(MAX_ENTRIES) {
        if dir.get(at..at + 4) != Some(b"PK\x01\x02".as_slice()) {
            return refuse("its directory is broken");
        }
        let (Some(packed), Some(unpacked), Some(name_len), Some(extra), Some(comment)) = (
            field32(&dir, at + 20),
            field32(&dir, at + 24),
            field16(&dir, at + 28),
            field16(&dir, at + 30),
            field16(&dir, at + 32),
        ) else {
            return refuse("its directory is cut short");
        };
        let name = dir
            .get(at + 46..at + 46 + usize::from(name_len))
            .unwrap_or_default();
        // Stored (method 0) entries hold their bytes as they are.
        let method = field16(&dir, at + 10).unwrap_or(0);
        if u64::from(packed) > size
            || (method == 0 && u64::from(unpacked) > size)
            || (name == b"mimetype" && unpacked > 1024)
        {
            return refuse("an entry claims more bytes than the file has");
        }
        at += 46 + usize::from(name_len) + usize::from(extra) + usize::from(comment);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(bytes).expect("write");
        f
    }

    fn all() -> Vec<&'static Accepted> {
        KNOWN.iter().collect()
    }

    #[test]
    fn a_zip_claiming_more_than_it_holds_is_refused_before_it_is_read() {
        // A stored `mimetype` entry whose directory says 4 GiB.
        let mut zip = crate::files::make::zip_of(&[("mimetype", b"application/zip")]).expect("zip");
        let dir = zip
            .windows(4)
            .position(|w| w == b"PK\x01\x02")
            .expect("directory");
        zip[dir + 20..dir + 28].copy_from_slice(&[0xff; 8]);
        let f = file(&zip);
        let err = sniff(f.path(), "bomb.zip", &all(), "file").expect_err("refused");
        assert!(err.to_string().contains("claims more bytes"), "{err}");
        // The same ZIP, honest, is a ZIP.
        let ok = crate::files::make::zip_of(&[("mimetype", b"application/zip")]).expect("zip");
        let f = file(&ok);
        assert_eq!(
            sniff(f.path(), "ok.zip", &all(), "file")
                .expect("zip")
                .format,
            "ZIP"
        );
    }

    #[test]
    fn formats_come_from_the_bytes_and_names_must_agree() {
        let pdf = file(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n");
        let found = sniff(pdf.path(), "plan.pdf", &all(), "file").expect("a PDF");
        assert_eq!(found.media_type, "application/pdf");
        assert!(
            sniff(pdf.path(), "plan", &all(), "file").is_ok(),
            "no extension"
        );
        let err = sniff(pdf.path(), "plan.docx", &all(), "file").expect_err("contradicts");
        assert_eq!(err.code(), "BAD_USER_INPUT");
        let csv = file(b"country,amount\nPeru,57000000\n");
        assert_eq!(
            sniff(csv.path(), "a.csv", &all(), "file")
                .expect("csv")
                .format,
            "CSV"
        );
        assert_eq!(
            sniff(csv.path(), "a.txt", &all(), "file")
                .expect("txt")
                .format,
            "TXT"
        );
        let png = file(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0");
        assert_eq!(
            sniff(png.path(), "a.png", &all(), "file")
                .expect("png")
                .format,
            "PNG"
        );
    }

    #[tokio::test]
    async fn sniffing_runs_off_the_runtime_with_the_same_answer() {
        let pdf = file(b"%PDF-1.4\n%%EOF\n");
        let found = sniff_file(
            pdf.path().to_path_buf(),
            "a.pdf".into(),
            all(),
            "file".into(),
        )
        .await
        .expect("a PDF");
        assert_eq!(found.format, "PDF");
        let odd = sniff(pdf.path(), "a.final version", &all(), "file").expect("no extension");
        assert_eq!(odd.format, "PDF");
    }

    #[test]
    fn a_format_outside_the_list_is_refused() {
        let exe = file(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0");
        let err = sniff(exe.path(), "a.pdf", &all(), "file").expect_err("an executable");
        assert_eq!(err.code(), "BAD_USER_INPUT");
        let pdf = file(b"%PDF-1.4\n%%EOF\n");
        let only_png = [named("png").expect("png")];
        assert!(sniff(pdf.path(), "a.pdf", &only_png, "file").is_err());
        assert_eq!(named(" Pdf").map(|a| a.format), Some("PDF"));
        assert_eq!(named("exe"), None);
    }
}
