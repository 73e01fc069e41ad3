//! The wasm VM's allocator: small blocks by size class, each class a free list, bigger ones from
//! the default allocator (wasi-libc's dlmalloc).
//!
//! Why: a request allocates and frees a few dozen small strings and vectors (header names and
//! values, the ids, the reply), and in the VM every `malloc`/`free` of dlmalloc runs its bins and
//! boundary tags compiled to wasm: a third of the filter's instructions per request
//! (benches/README.md, "Tuning log"). Here a small allocation is a pop from its class's list and a
//! free a push. Blocks are carved from slabs taken from the default allocator and never handed
//! back (a VM's linear memory never shrinks anyway); a freed block serves its class again.
//!
//! Registered as the global allocator on wasm32 only (`lib.rs`); the tests below run it natively.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr::null_mut;

/// Sizes 16, 32, … 4096 bytes: one class per power of two.
const CLASSES: usize = 9;
const MIN_SHIFT: u32 = 4;
const MAX_SMALL: usize = 1 << (MIN_SHIFT as usize + CLASSES - 1);
/// Slabs are aligned to this, so that a block of a class is aligned to its size.
const SLAB_ALIGN: usize = MAX_SMALL;

#[derive(Clone, Copy)]
struct Class {
    /// The head of the free list: each free block holds the address of the next.
    free: *mut u8,
    /// The untouched rest of the class's newest slab.
    next: *mut u8,
    end: *mut u8,
}

const EMPTY: Class = Class { free: null_mut(), next: null_mut(), end: null_mut() };

pub struct SizeClasses {
    classes: UnsafeCell<[Class; CLASSES]>,
}

// SAFETY: the allocator is used by one thread only: a wasm32 VM without threads (the global
// allocator is registered only there), or one test thread owning its own instance.
unsafe impl Sync for SizeClasses {}

impl SizeClasses {
    pub const fn new() -> SizeClasses {
        SizeClasses { classes: UnsafeCell::new([EMPTY; CLASSES]) }
    }
}

impl Default for SizeClasses {
    fn default() -> Self {
        SizeClasses::new()
    }
}

/// The class of a layout (blocks of `16 << class` bytes), `None` past the largest.
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(1 << MIN_SHIFT);
    if size > MAX_SMALL {
        return None;
    }
    // ceil(log2(size)) - MIN_SHIFT: size is at least 16, so size - 1 is at least 15.
    let log = usize::BITS - (size - 1).leading_zeros();
    usize::try_from(log.checked_sub(MIN_SHIFT)?).ok()
}

/// The slab a class carves: at least 4 KiB and 16 blocks.
fn slab_layout(class: usize) -> Option<Layout> {
    let block = 1usize << (MIN_SHIFT as usize + class);
    Layout::from_size_align(block.checked_mul(16)?.max(4096), SLAB_ALIGN).ok()
}

unsafe impl GlobalAlloc for SizeClasses {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(i) = class_of(layout) else {
            return System.alloc(layout);
        };
        let Some(c) = (*self.classes.get()).get_mut(i) else {
            return System.alloc(layout);
        };
        if !c.free.is_null() {
            let block = c.free;
            // SAFETY: a free block holds the next free block's address (written by `dealloc`).
            c.free = block.cast::<*mut u8>().read();
            return block;
        }
        let size = 1usize << (MIN_SHIFT as usize + i);
        if c.next.is_null() || (c.end as usize).saturating_sub(c.next as usize) < size {
            let Some(slab) = slab_layout(i) else { return null_mut() };
            let start = System.alloc(slab);
            if start.is_null() {
                return null_mut();
            }
            c.next = start;
            c.end = start.add(slab.size());
        }
        let block = c.next;
        c.next = block.add(size);
        block
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match class_of(layout).and_then(|i| (*self.classes.get()).get_mut(i)) {
            Some(c) => {
                // SAFETY: the block is at least 16 bytes and aligned to its size: room for a pointer.
                ptr.cast::<*mut u8>().write(c.free);
                c.free = ptr;
            }
            None => System.dealloc(ptr, layout),
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return null_mut();
        };
        match (class_of(layout), class_of(new_layout)) {
            (Some(a), Some(b)) if a == b => ptr,
            (None, None) => System.realloc(ptr, layout, new_size),
            _ => {
                let new = self.alloc(new_layout);
                if !new.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                new
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn classes_by_size_and_alignment() {
        let l = |size, align| Layout::from_size_align(size, align).unwrap();
        assert_eq!(class_of(l(0, 1)), Some(0));
        assert_eq!(class_of(l(16, 8)), Some(0));
        assert_eq!(class_of(l(17, 1)), Some(1));
        assert_eq!(class_of(l(8, 64)), Some(2));
        assert_eq!(class_of(l(4096, 1)), Some(8));
        assert_eq!(class_of(l(4097, 1)), None);
        assert_eq!(class_of(l(16, 8192)), None);
    }

    // Blocks alive at once never overlap, are aligned as asked, keep what was written in them
    // (through reallocs across classes and to the default allocator), and freed blocks are reused.
    #[test]
    fn blocks_are_distinct_aligned_and_reused() {
        let a = SizeClasses::new();
        let mut live: Vec<(*mut u8, Layout, u8)> = Vec::new();
        let mut seed = 7u32;
        for n in 0..20_000u32 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let size = (seed >> 8) as usize % 6000;
            let align = 1usize << ((seed >> 4) % 7);
            if seed.is_multiple_of(3) && !live.is_empty() {
                let (p, layout, fill) = live.swap_remove((seed as usize >> 3) % live.len());
                unsafe {
                    assert!((0..layout.size()).all(|i| *p.add(i) == fill));
                    if n.is_multiple_of(2) {
                        a.dealloc(p, layout);
                    } else {
                        let q = a.realloc(p, layout, size);
                        let keep = layout.size().min(size);
                        assert!((0..keep).all(|i| *q.add(i) == fill));
                        let layout = Layout::from_size_align(size, layout.align()).unwrap();
                        std::ptr::write_bytes(q, fill, size);
                        live.push((q, layout, fill));
                    }
                }
                continue;
            }
            let layout = Layout::from_size_align(size, align).unwrap();
            let p = unsafe { a.alloc(layout) };
            assert!(!p.is_null());
            assert_eq!(p as usize % align, 0);
            let fill = (n % 251) as u8;
            unsafe { std::ptr::write_bytes(p, fill, size) };
            live.push((p, layout, fill));
        }
        let mut spans: Vec<(usize, usize)> = live.iter().map(|(p, l, _)| (*p as usize, l.size())).collect();
        spans.sort_unstable();
        assert!(spans.windows(2).all(|w| w[0].0 + w[0].1 <= w[1].0));
        for (p, layout, _) in live {
            unsafe { a.dealloc(p, layout) };
        }
        // A freed block is handed out again.
        let layout = Layout::from_size_align(24, 8).unwrap();
        unsafe {
            let p = a.alloc(layout);
            a.dealloc(p, layout);
            assert_eq!(a.alloc(layout), p);
        }
    }
}
