//! Host calls made through the raw proxy-wasm ABI, so that every status Envoy returns is handled.
//! The SDK's `hostcalls` helpers panic on statuses they do not expect (and decode header maps with
//! `unwrap`), and a panic kills the VM for every later request on that worker.

use std::ptr::{null, null_mut};

use crate::pairs;

// MapType / BufferType / LogLevel values of the proxy-wasm ABI 0.2.1.
pub const MAP_REQUEST_HEADERS: u32 = 0;
pub const MAP_RESPONSE_HEADERS: u32 = 2;
pub const MAP_HTTP_CALL_RESPONSE_HEADERS: u32 = 6;
pub const BUFFER_REQUEST_BODY: u32 = 0;
pub const BUFFER_RESPONSE_BODY: u32 = 1;
pub const BUFFER_HTTP_CALL_RESPONSE_BODY: u32 = 4;
pub const BUFFER_GRPC_RECEIVE: u32 = 5;
pub const BUFFER_PLUGIN_CONFIGURATION: u32 = 7;

pub const LOG_DEBUG: u32 = 1;
pub const LOG_INFO: u32 = 2;
pub const LOG_WARN: u32 = 3;
pub const LOG_ERROR: u32 = 4;
pub const LOG_CRITICAL: u32 = 5;

// proxy-wasm MetricType values.
pub const METRIC_COUNTER: u32 = 0;
pub const METRIC_HISTOGRAM: u32 = 2;

#[link(wasm_import_module = "env")]
extern "C" {
    fn proxy_log(level: u32, message_data: *const u8, message_size: usize) -> u32;
    fn proxy_define_metric(metric_type: u32, name_data: *const u8, name_size: usize, return_metric_id: *mut u32) -> u32;
    fn proxy_increment_metric(metric_id: u32, offset: i64) -> u32;
    fn proxy_record_metric(metric_id: u32, value: u64) -> u32;
    fn proxy_set_tick_period_milliseconds(period: u32) -> u32;
    fn proxy_continue_stream(stream_type: u32) -> u32;
    fn proxy_get_buffer_bytes(
        buffer_type: u32,
        start: usize,
        max_size: usize,
        return_buffer_data: *mut *mut u8,
        return_buffer_size: *mut usize,
    ) -> u32;
    fn proxy_get_header_map_pairs(map_type: u32, return_map_data: *mut *mut u8, return_map_size: *mut usize) -> u32;
    fn proxy_get_header_map_value(
        map_type: u32,
        key_data: *const u8,
        key_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> u32;
    fn proxy_get_property(
        path_data: *const u8,
        path_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
    ) -> u32;
    fn proxy_replace_header_map_value(
        map_type: u32,
        key_data: *const u8,
        key_size: usize,
        value_data: *const u8,
        value_size: usize,
    ) -> u32;
    fn proxy_set_header_map_pairs(map_type: u32, map_data: *const u8, map_size: usize) -> u32;
    fn proxy_remove_header_map_value(map_type: u32, key_data: *const u8, key_size: usize) -> u32;
    fn proxy_add_header_map_value(
        map_type: u32,
        key_data: *const u8,
        key_size: usize,
        value_data: *const u8,
        value_size: usize,
    ) -> u32;
    fn proxy_set_buffer_bytes(
        buffer_type: u32,
        start: usize,
        size: usize,
        buffer_data: *const u8,
        buffer_size: usize,
    ) -> u32;
    fn proxy_get_shared_data(
        key_data: *const u8,
        key_size: usize,
        return_value_data: *mut *mut u8,
        return_value_size: *mut usize,
        return_cas: *mut u32,
    ) -> u32;
    fn proxy_set_shared_data(key_data: *const u8, key_size: usize, value_data: *const u8, value_size: usize, cas: u32) -> u32;
    fn proxy_send_local_response(
        status_code: u32,
        status_code_details_data: *const u8,
        status_code_details_size: usize,
        body_data: *const u8,
        body_size: usize,
        headers_data: *const u8,
        headers_size: usize,
        grpc_status: i32,
    ) -> u32;
}

/// Takes ownership of a buffer the host allocated through `proxy_on_memory_allocate`.
///
/// # Safety
/// `data`/`size` must come from a host call that succeeded.
unsafe fn take(data: *mut u8, size: usize) -> Vec<u8> {
    if data.is_null() {
        Vec::new()
    } else {
        Vec::from_raw_parts(data, size, size)
    }
}

pub fn log(level: u32, message: &str) {
    // SAFETY: the pointer and length describe a live &str.
    unsafe {
        proxy_log(level, message.as_ptr(), message.len());
    }
}

/// A whole buffer (`None` when the host has none or refuses).
pub fn buffer(buffer_type: u32, max: usize) -> Option<Vec<u8>> {
    let mut data = null_mut();
    let mut size = 0;
    // SAFETY: out-pointers are valid; on Ok the host hands us an allocation we now own.
    unsafe {
        match proxy_get_buffer_bytes(buffer_type, 0, max, &mut data, &mut size) {
            0 => Some(take(data, size)),
            _ => None,
        }
    }
}

pub fn header_map(map_type: u32) -> Vec<(String, String)> {
    let mut data = null_mut();
    let mut size = 0;
    // SAFETY: as above.
    unsafe {
        match proxy_get_header_map_pairs(map_type, &mut data, &mut size) {
            0 => pairs::decode(&take(data, size)),
            _ => Vec::new(),
        }
    }
}

/// One header's value; `None` when absent.
pub fn header(map_type: u32, name: &str) -> Option<String> {
    let mut data = null_mut();
    let mut size = 0;
    // SAFETY: as above; the pointer/length pair describes a live &str.
    unsafe {
        match proxy_get_header_map_value(map_type, name.as_ptr(), name.len(), &mut data, &mut size) {
            0 => String::from_utf8(take(data, size)).ok(),
            _ => None,
        }
    }
}

/// A property by path (`["xds", "route_name"]`); `None` when missing.
pub fn property(path: &[&str]) -> Option<Vec<u8>> {
    let mut encoded = Vec::new();
    for p in path {
        encoded.extend_from_slice(p.as_bytes());
        encoded.push(0);
    }
    let mut data = null_mut();
    let mut size = 0;
    // SAFETY: as above.
    unsafe {
        match proxy_get_property(encoded.as_ptr(), encoded.len(), &mut data, &mut size) {
            0 => Some(take(data, size)),
            _ => None,
        }
    }
}

/// Sets a header (replacing any value). Returns the host's status: 0 Ok, 2 BadArgument when the
/// headers were already sent.
pub fn set_header(map_type: u32, name: &str, value: &str) -> u32 {
    // SAFETY: the pointer/length pairs describe live &strs.
    unsafe { proxy_replace_header_map_value(map_type, name.as_ptr(), name.len(), value.as_ptr(), value.len()) }
}

/// Replaces the whole header map (pseudo-headers included) in one host call. Envoy then removes
/// and re-adds every header: measured at about 5 µs for ten headers, as much as five single-header
/// calls, so it is for rewrites that touch most of the map.
/// Returns the host's status: 0 Ok, 2 BadArgument when the headers were already sent.
pub fn set_header_map<K: AsRef<[u8]>, V: AsRef<[u8]>>(map_type: u32, pairs: &[(K, V)]) -> u32 {
    let encoded = pairs::encode(pairs);
    // SAFETY: the pointer/length pair describes a live buffer for the duration of the call.
    unsafe { proxy_set_header_map_pairs(map_type, encoded.as_ptr(), encoded.len()) }
}

/// Removes a header. Returns the host's status.
pub fn remove_header(map_type: u32, name: &str) -> u32 {
    // SAFETY: the pointer/length pair describes a live &str.
    unsafe { proxy_remove_header_map_value(map_type, name.as_ptr(), name.len()) }
}

/// Adds a header value (repeats allowed). Returns the host's status.
pub fn add_header(map_type: u32, name: &str, value: &str) -> u32 {
    // SAFETY: the pointer/length pairs describe live &strs.
    unsafe { proxy_add_header_map_value(map_type, name.as_ptr(), name.len(), value.as_ptr(), value.len()) }
}

/// Replaces `size` bytes at `start` of a buffer (the whole body: 0, its size). Returns the host's status.
pub fn set_buffer(buffer_type: u32, start: usize, size: usize, data: &[u8]) -> u32 {
    // SAFETY: the pointer/length pair describes a live slice.
    unsafe { proxy_set_buffer_bytes(buffer_type, start, size, data.as_ptr(), data.len()) }
}

/// Lets a request the filter held (its headers answered `Pause`) go on through Envoy's filter
/// chain. Returns the host's status (0 = Ok). ABI 0.2.1 `proxy_continue_stream` with stream type
/// 0 (the request); the SDK's `resume_http_request` wraps the same call but panics on a status
/// it does not expect.
pub fn resume_request() -> u32 {
    // SAFETY: no pointers are passed.
    unsafe { proxy_continue_stream(0) }
}

/// Sends a local reply. Returns the host's status (0 = Ok).
pub fn send_response(status: u16, headers: &[(String, String)], body: &[u8]) -> u32 {
    let encoded = pairs::encode(headers);
    let details = b"apigateway";
    // SAFETY: every pointer/length pair describes a live buffer for the duration of the call.
    unsafe {
        proxy_send_local_response(
            u32::from(status),
            details.as_ptr(),
            details.len(),
            if body.is_empty() { null() } else { body.as_ptr() },
            body.len(),
            encoded.as_ptr(),
            encoded.len(),
            -1,
        )
    }
}

/// Defines a counter or histogram (`METRIC_*`) in Envoy's stats; several VMs defining one name
/// share it. `Err` is the host's status. The SDK's `hostcalls::define_metric` panics on any status
/// but Ok.
pub fn define_metric(metric_type: u32, name: &str) -> Result<u32, u32> {
    let mut id = 0;
    // SAFETY: the pointer/length pair describes a live &str; the out-pointer is valid.
    match unsafe { proxy_define_metric(metric_type, name.as_ptr(), name.len(), &mut id) } {
        0 => Ok(id),
        status => Err(status),
    }
}

/// Adds to a counter. Returns the host's status (0 = Ok).
pub fn increment_metric(id: u32, offset: i64) -> u32 {
    // SAFETY: no pointers are passed.
    unsafe { proxy_increment_metric(id, offset) }
}

/// Records a value in a histogram. Returns the host's status (0 = Ok).
pub fn record_metric(id: u32, value: u64) -> u32 {
    // SAFETY: no pointers are passed.
    unsafe { proxy_record_metric(id, value) }
}

/// Asks for the root context's `on_tick` every `period_ms`. Returns the host's status (0 = Ok);
/// the SDK's `set_tick_period` panics on any other.
pub fn set_tick_period(period_ms: u32) -> u32 {
    // SAFETY: no pointers are passed.
    unsafe { proxy_set_tick_period_milliseconds(period_ms) }
}

/// ABI statuses the shared-data calls return besides Ok.
pub const STATUS_NOT_FOUND: u32 = 1;
pub const STATUS_CAS_MISMATCH: u32 = 8;

/// A shared-data entry of this VM's `vm_id` and its CAS token: `Ok(None)` when there is none,
/// `Err(status)` when the host refuses. (The SDK's `get_shared_data` panics on any other status.)
pub fn shared_data(key: &str) -> Result<Option<(Vec<u8>, u32)>, u32> {
    let mut data = null_mut();
    let mut size = 0;
    let mut cas = 0;
    // SAFETY: out-pointers are valid; on Ok the host hands us an allocation we now own.
    unsafe {
        match proxy_get_shared_data(key.as_ptr(), key.len(), &mut data, &mut size, &mut cas) {
            0 => Ok(Some((take(data, size), cas))),
            STATUS_NOT_FOUND => Ok(None),
            status => Err(status),
        }
    }
}

/// Writes a shared-data entry if its CAS token is still `cas` (0: unconditionally; Envoy also
/// writes an absent entry whatever the token). Returns the host's status: 0 Ok,
/// [`STATUS_CAS_MISMATCH`] when another VM wrote it since it was read.
pub fn set_shared_data(key: &str, value: &[u8], cas: u32) -> u32 {
    // SAFETY: the pointer/length pairs describe live buffers for the duration of the call.
    unsafe { proxy_set_shared_data(key.as_ptr(), key.len(), value.as_ptr(), value.len(), cas) }
}
