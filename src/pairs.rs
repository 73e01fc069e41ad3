//! The proxy-wasm pair-list encoding (header maps, nested properties): `u32 n`, `n × (u32 klen,
//! u32 vlen)`, then `key\0value\0` for each pair, all little-endian. Decoding never panics: a short
//! or inconsistent buffer yields the pairs read so far, and bytes that are not UTF-8 are replaced.

/// Encodes pairs (sizes saturate at `u32::MAX`; the host refuses such maps anyway).
pub fn encode<K: AsRef<[u8]>, V: AsRef<[u8]>>(pairs: &[(K, V)]) -> Vec<u8> {
    let mut size: usize = 4;
    for (k, v) in pairs {
        size = size
            .saturating_add(k.as_ref().len())
            .saturating_add(v.as_ref().len())
            .saturating_add(10);
    }
    let mut out = Vec::with_capacity(size);
    let n = u32::try_from(pairs.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&n.to_le_bytes());
    for (k, v) in pairs {
        let kl = u32::try_from(k.as_ref().len()).unwrap_or(u32::MAX);
        let vl = u32::try_from(v.as_ref().len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&kl.to_le_bytes());
        out.extend_from_slice(&vl.to_le_bytes());
    }
    for (k, v) in pairs {
        out.extend_from_slice(k.as_ref());
        out.push(0);
        out.extend_from_slice(v.as_ref());
        out.push(0);
    }
    out
}

fn read_u32(bytes: &[u8], at: usize) -> Option<usize> {
    let end = at.checked_add(4)?;
    let raw: [u8; 4] = bytes.get(at..end)?.try_into().ok()?;
    usize::try_from(u32::from_le_bytes(raw)).ok()
}

/// UTF-8 text, with U+FFFD for bytes that are not (the usual case, valid text, takes the fast check).
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Decodes a pair list into its raw keys and values, strictly: `None` unless the buffer is exactly
/// one well-formed list (sizes in range, each key and value followed by its NUL, nothing after the
/// last pair). What a nested property (a protobuf Struct or list) comes as: [`crate::authorizer::metadata`].
pub fn decode_raw(bytes: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let n = read_u32(bytes, 0)?;
    let mut data = n.checked_mul(8)?.checked_add(4)?;
    if data > bytes.len() {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let sizes = i.checked_mul(8)?.checked_add(4)?;
        let (kl, vl) = (read_u32(bytes, sizes)?, read_u32(bytes, sizes.checked_add(4)?)?);
        let k_end = data.checked_add(kl)?;
        let key = bytes.get(data..k_end)?;
        let v_start = k_end.checked_add(1)?;
        let v_end = v_start.checked_add(vl)?;
        let value = bytes.get(v_start..v_end)?;
        if bytes.get(k_end) != Some(&0) || bytes.get(v_end) != Some(&0) {
            return None;
        }
        out.push((key, value));
        data = v_end.checked_add(1)?;
    }
    (data == bytes.len()).then_some(out)
}

/// Decodes a pair list into strings.
pub fn decode(bytes: &[u8]) -> Vec<(String, String)> {
    let Some(n) = read_u32(bytes, 0) else { return Vec::new() };
    // Each pair needs at least 10 bytes: never trust `n` for the allocation.
    let mut out = Vec::with_capacity(n.min(bytes.len() / 10));
    let Some(mut data) = n.checked_mul(8).and_then(|x| x.checked_add(4)) else { return out };
    for i in 0..n {
        let Some(sizes) = i.checked_mul(8).and_then(|x| x.checked_add(4)) else { break };
        let (Some(kl), Some(vl)) = (read_u32(bytes, sizes), read_u32(bytes, sizes.saturating_add(4))) else { break };
        let Some(k_end) = data.checked_add(kl) else { break };
        let Some(key) = bytes.get(data..k_end) else { break };
        let Some(v_start) = k_end.checked_add(1) else { break };
        let Some(v_end) = v_start.checked_add(vl) else { break };
        let Some(value) = bytes.get(v_start..v_end) else { break };
        out.push((text(key), text(value)));
        let Some(next) = v_end.checked_add(1) else { break };
        data = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn round_trip() {
        let pairs = vec![(":status", "200"), ("set-cookie", "a=1"), ("set-cookie", "b=2"), ("", "")];
        let got = decode(&encode(&pairs));
        let want: Vec<(String, String)> = pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn truncated_and_lying_buffers() {
        assert!(decode(&[]).is_empty());
        assert!(decode(&[1, 0]).is_empty());
        assert!(decode(&[255, 255, 255, 255]).is_empty());
        let mut enc = encode(&[("k", "value")]);
        enc.truncate(enc.len() - 3);
        assert!(decode(&enc).is_empty());
        assert_eq!(decode(&encode(&[(b"k".as_slice(), [0xffu8].as_slice())])), vec![("k".into(), "\u{fffd}".into())]);
    }

    // The strict decoder takes exactly one well-formed list and nothing else.
    #[test]
    fn strict_raw_decoding() {
        let enc = encode(&[("a", "1"), ("", ""), ("k", "v\0w")]);
        assert_eq!(decode_raw(&enc), Some(vec![(&b"a"[..], &b"1"[..]), (&b""[..], &b""[..]), (&b"k"[..], &b"v\0w"[..])]));
        assert_eq!(decode_raw(&encode::<&str, &str>(&[])), Some(vec![]));
        let mut longer = enc.clone();
        longer.push(0);
        assert_eq!(decode_raw(&longer), None);
        assert_eq!(decode_raw(&enc[..enc.len() - 1]), None);
        let mut no_nul = enc.clone();
        let last = no_nul.len() - 1;
        no_nul[last] = b'x';
        assert_eq!(decode_raw(&no_nul), None);
        assert_eq!(decode_raw(&[]), None);
        assert_eq!(decode_raw(&[255, 255, 255, 255]), None);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use proptest::prelude::*;
    proptest! {
        // Decoding arbitrary bytes never panics.
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = super::decode(&bytes);
        }
        #[test]
        fn decode_raw_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = super::decode_raw(&bytes);
        }
        #[test]
        fn round_trips(pairs in proptest::collection::vec(("[a-z:-]{0,8}", "[ -~]{0,16}"), 0..8)) {
            prop_assert_eq!(super::decode(&super::encode(&pairs)), pairs);
        }
    }
}
