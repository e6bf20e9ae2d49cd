//! The PDF: a Typst document compiled in process, with fonts built into the
//! binary (no system fonts are read, so the same inputs give the same bytes
//! on every machine).
//!
//! Typst is a typesetting engine written in Rust: it breaks tables across
//! pages with their header repeated and rows kept whole, builds the table
//! of contents, and embeds subsets of its fonts, with text that stays
//! selectable and searchable. The template (`templates/pack.typ`) reads the
//! report as JSON, so nothing from the logs is ever parsed as markup.

use std::sync::{Arc, LazyLock};

use typst::{
    Library, LibraryExt, World,
    diag::{FileError, FileResult},
    foundations::{Bytes, Datetime, Smart},
    syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot},
    text::{Font, FontBook},
    utils::LazyHash,
};

use crate::AppError;

const TEMPLATE: &str = include_str!("../../templates/pack.typ");

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// Parsed once per process: the fonts bundled with Typst.
static FONTS: LazyLock<Arc<Fonts>> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Arc::new(Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    })
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> Result<FileId, AppError> {
    let vpath = VirtualPath::new(path)
        .map_err(|e| AppError::Internal(format!("typst path {path}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

/// The template and its one data file, nothing else.
struct PackWorld {
    main: Source,
    data_id: FileId,
    data: Bytes,
    fonts: Arc<Fonts>,
    today: Datetime,
}

impl World for PackWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// Typeset `data` (the JSON the template reads) into PDF bytes. `date`
/// (`YYYY-MM-DD`) is the document's date; `ident` its stable identifier.
pub(crate) fn render(
    data: &serde_json::Value,
    date: &str,
    ident: &str,
) -> Result<(Vec<u8>, usize), AppError> {
    let parse = |i: std::ops::Range<usize>| date.get(i).and_then(|s| s.parse::<i32>().ok());
    let today = match (parse(0..4), parse(5..7), parse(8..10)) {
        (Some(y), Some(m), Some(d)) => Datetime::from_ymd(y, m as u8, d as u8),
        _ => None,
    }
    .ok_or_else(|| AppError::BadRequest(format!("not a date: {date:?}")))?;
    let world = PackWorld {
        main: Source::new(file_id("/main.typ")?, TEMPLATE.to_owned()),
        data_id: file_id("/data.json")?,
        data: Bytes::new(serde_json::to_vec(data).map_err(AppError::internal)?),
        fonts: FONTS.clone(),
        today,
    };
    let document: typst_layout::PagedDocument = typst::compile(&world)
        .output
        .map_err(|e| failed("typesetting", &e))?;
    let pages = document.pages().len();
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(ident.to_owned()),
        creator: Smart::Custom(Some(format!("keyledger {}", env!("CARGO_PKG_VERSION")))),
        timestamp: Some(typst_pdf::Timestamp::new_utc(today)),
        ..Default::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|e| failed("PDF export", &e))?;
    Ok((pdf, pages))
}

fn failed(step: &str, errors: &[typst::diag::SourceDiagnostic]) -> AppError {
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    AppError::Internal(format!("{step} failed: {}", messages.join("; ")))
}
