//! Deflate and gzip for what is kept in memory and served as kept: the read model's packed
//! registrations and the status reads' response bodies (issue 31). Each thread reuses one
//! decompressor, reset rather than made anew: a fresh one is tens of kilobytes allocated and
//! zeroed per read.

use std::io::Write;

/// `bytes` as a raw deflate stream (no header), at the default level.
pub fn deflate(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// A raw deflate stream inflated whole; a cut or damaged stream is an error.
pub fn inflate(bytes: &[u8]) -> Result<Vec<u8>, String> {
    inflate_sized(bytes, bytes.len().saturating_mul(4).saturating_add(64))
}

fn inflate_sized(bytes: &[u8], capacity: usize) -> Result<Vec<u8>, String> {
    thread_local! {
        static DECOMPRESS: std::cell::RefCell<flate2::Decompress> =
            std::cell::RefCell::new(flate2::Decompress::new(false));
    }
    DECOMPRESS.with_borrow_mut(|decompress| {
        decompress.reset(false);
        let mut text = Vec::with_capacity(capacity);
        loop {
            let read = usize::try_from(decompress.total_in()).unwrap_or(usize::MAX);
            let input = bytes.get(read..).unwrap_or_default();
            let status = decompress
                .decompress_vec(input, &mut text, flate2::FlushDecompress::None)
                .map_err(|error| error.to_string())?;
            match status {
                flate2::Status::StreamEnd => return Ok(text),
                _ if text.len() < text.capacity() && input.is_empty() => {
                    return Err("the deflated document ends early".to_string());
                }
                _ => text.reserve(text.capacity().max(1024)),
            }
        }
    })
}

/// The gzip header `gzip` writes: no name, no time, no extra fields.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// `bytes` as a raw deflate stream of fixed-code blocks only (RFC 1951 §3.2.6): a little
/// larger than with codes made for the text, but inflating it builds no code tables, which
/// was a third of inflating a status body (issue 31's profile).
fn deflate_fixed(mut bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use miniz_oxide::deflate::core::{
        CompressionStrategy, CompressorOxide, TDEFLFlush, TDEFLStatus, compress,
        create_comp_flags_from_zip_params,
    };
    let flags = create_comp_flags_from_zip_params(6, 0, CompressionStrategy::Fixed as i32);
    let mut compressor = CompressorOxide::new(flags);
    let mut output = vec![0; bytes.len() / 2 + 64];
    let mut written = 0;
    loop {
        let (status, read, wrote) = compress(
            &mut compressor,
            bytes,
            &mut output[written..],
            TDEFLFlush::Finish,
        );
        written += wrote;
        match status {
            TDEFLStatus::Done => {
                output.truncate(written);
                return Ok(output);
            }
            TDEFLStatus::Okay => {
                bytes = bytes.get(read..).unwrap_or_default();
                if output.len() - written < 64 {
                    output.resize(output.len() * 2, 0);
                }
            }
            _ => return Err(std::io::Error::other("the compressor failed")),
        }
    }
}

/// `bytes` as a gzip member (RFC 1952), as `Content-Encoding: gzip` sends it.
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let deflated = deflate_fixed(bytes)?;
    let mut member = Vec::with_capacity(GZIP_HEADER.len() + deflated.len() + 8);
    member.extend_from_slice(&GZIP_HEADER);
    member.extend_from_slice(&deflated);
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    member.extend_from_slice(&crc.sum().to_le_bytes());
    member.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    Ok(member)
}

/// What `gzip` made, back as it was; the length of the trailer is checked (the CRC is left to
/// the clients that take the member as sent: the bytes never left this process).
pub fn gunzip(member: &[u8]) -> Result<Vec<u8>, String> {
    let body = member
        .strip_prefix(&GZIP_HEADER[..])
        .filter(|rest| rest.len() >= 8)
        .ok_or("not a gzip member of this process")?;
    let (deflated, trailer) = body.split_at(body.len() - 8);
    let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    let text = inflate_sized(deflated, size as usize)?;
    if text.len() as u32 != size {
        return Err("a gzip member does not match its trailer".to_string());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample() -> Vec<u8> {
        (0..20_000u32).flat_map(|n| n.to_le_bytes()).collect()
    }

    #[test]
    fn the_reused_decompressor_inflates_whole_documents_and_refuses_cut_ones() {
        let text = sample();
        let deflated = deflate(&text).unwrap();
        // Twice on one thread: the second use starts from a reset decompressor.
        assert_eq!(inflate(&deflated).unwrap(), text);
        assert_eq!(inflate(&deflated).unwrap(), text);
        assert!(inflate(&deflated[..deflated.len() / 2]).is_err());
        assert!(inflate(b"not deflate at all").is_err());
        assert_eq!(inflate(&deflated).unwrap(), text);
        assert_eq!(inflate(&deflate(b"").unwrap()).unwrap(), b"");
    }

    #[test]
    fn gzip_members_read_with_a_standard_decoder_and_back() {
        for text in [
            sample(),
            b"{\"domain\":\"shop.example\"}".to_vec(),
            Vec::new(),
        ] {
            let member = gzip(&text).unwrap();
            let mut read = Vec::new();
            flate2::read::GzDecoder::new(&member[..])
                .read_to_end(&mut read)
                .unwrap();
            assert_eq!(read, text);
            assert_eq!(gunzip(&member).unwrap(), text);
        }
        let mut member = gzip(&sample()).unwrap();
        let last = member.len() - 3;
        member[last] ^= 1;
        assert!(gunzip(&member).is_err(), "a wrong length is refused");
        assert!(gunzip(b"\x1f\x8b").is_err());
    }
}
