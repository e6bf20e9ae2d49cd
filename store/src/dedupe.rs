//! Which event ids a partition already holds.
//!
//! An event's id and time never change, so an event can only ever collide
//! with events of the same stream and the same `date` partition. The index
//! is therefore loaded one partition at a time, from the `event_id` column
//! of that partition's live segments, and holds 128-bit hashes of the ids
//! (16 bytes an event; collisions are out of reach at any realistic size).

use std::{
    collections::{HashMap, HashSet},
    hash::{BuildHasherDefault, Hasher},
    sync::Arc,
};

use keyledger_schemas::Stream;
use object_store::ObjectStore;
use twox_hash::XxHash3_128;

use crate::{Result, Snapshot, segment};

pub fn id_hash(id: &str) -> u128 {
    XxHash3_128::oneshot(id.as_bytes())
}

/// The keys are already uniform hashes: use their low bits as they are.
#[derive(Debug, Default, Clone, Copy)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, i: u128) {
        self.0 = i as u64;
    }
}

pub type IdSet = HashSet<u128, BuildHasherDefault<PassThrough>>;

#[derive(Debug, Default)]
pub struct IdIndex {
    parts: HashMap<(Stream, i32), IdSet>,
}

impl IdIndex {
    /// The ids of one partition, loading them on first use.
    pub async fn partition(
        &mut self,
        os: &Arc<dyn ObjectStore>,
        snapshot: &Snapshot,
        stream: Stream,
        date: i32,
    ) -> Result<&mut IdSet> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.parts.entry((stream, date)) {
            let mut set = IdSet::default();
            for seg in snapshot.partition_segments(stream, date) {
                segment::read_string_column(os.clone(), &seg.path, "event_id", |id| {
                    set.insert(id_hash(id));
                })
                .await?;
            }
            slot.insert(set);
        }
        Ok(self.parts.entry((stream, date)).or_default())
    }

    /// Add the ids of a segment another writer committed, if that partition
    /// is loaded (an unloaded one will read it when needed).
    pub async fn add_segment(
        &mut self,
        os: &Arc<dyn ObjectStore>,
        stream: Stream,
        date: i32,
        path: &str,
    ) -> Result<bool> {
        let Some(set) = self.parts.get_mut(&(stream, date)) else {
            return Ok(false);
        };
        segment::read_string_column(os.clone(), path, "event_id", |id| {
            set.insert(id_hash(id));
        })
        .await?;
        Ok(true)
    }
}
