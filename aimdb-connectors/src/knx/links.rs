//! The KNX connector's link table: group addresses to slots (counters, routes), in fixed
//! storage, searched linearly (`L` is small).

use aimdb_core::connector::CodecError;

/// A route's decode-and-produce function.
pub(crate) type Deliver = fn(&[u8]) -> Result<(), CodecError>;

/// Why a link was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LinkError {
    /// Every slot is in use.
    Full,
    /// A route is already attached for the group address.
    Twice,
}

#[derive(Clone, Copy)]
pub(crate) struct Slot {
    pub(crate) group: u16,
    pub(crate) deliver: Option<Deliver>,
}

pub(crate) struct LinkTable<const L: usize> {
    slots: [Slot; L],
    used: usize,
}

impl<const L: usize> LinkTable<L> {
    pub(crate) const fn new() -> Self {
        LinkTable {
            slots: [Slot {
                group: 0,
                deliver: None,
            }; L],
            used: 0,
        }
    }

    fn find(&self, group: u16) -> Option<usize> {
        self.slots[..self.used]
            .iter()
            .position(|slot| slot.group == group)
    }

    fn claim(&mut self, group: u16) -> Result<usize, LinkError> {
        let index = self.used;
        let slot = self.slots.get_mut(index).ok_or(LinkError::Full)?;
        *slot = Slot {
            group,
            deliver: None,
        };
        self.used += 1;
        Ok(index)
    }

    /// The slot of `group`, claimed on first use.
    pub(crate) fn outbound(&mut self, group: u16) -> Result<usize, LinkError> {
        match self.find(group) {
            Some(index) => Ok(index),
            None => self.claim(group),
        }
    }

    /// Route arrivals on `group` to `deliver`; one route per group address.
    pub(crate) fn attach(&mut self, group: u16, deliver: Deliver) -> Result<usize, LinkError> {
        let index = self.outbound(group)?;
        let slot = &mut self.slots[index];
        if slot.deliver.is_some() {
            return Err(LinkError::Twice);
        }
        slot.deliver = Some(deliver);
        Ok(index)
    }

    /// The slot and route of an arrival on `group`.
    pub(crate) fn inbound(&self, group: u16) -> Option<(usize, Deliver)> {
        let index = self.find(group)?;
        Some((index, self.slots[index].deliver?))
    }

    /// The slot of `group`, if any link uses it.
    pub(crate) fn slot(&self, group: u16) -> Option<usize> {
        self.find(group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(_: &[u8]) -> Result<(), CodecError> {
        Ok(())
    }

    #[test]
    fn one_slot_per_group_address_and_one_route() {
        let mut table = LinkTable::<2>::new();
        let out = table.outbound(0x0A03).unwrap();
        assert_eq!(table.outbound(0x0A03), Ok(out));
        assert!(table.inbound(0x0A03).is_none(), "outbound only");
        assert_eq!(table.attach(0x0A03, ok), Ok(out));
        assert_eq!(table.attach(0x0A03, ok), Err(LinkError::Twice));
        assert_eq!(table.inbound(0x0A03).map(|(slot, _)| slot), Some(out));
        let second = table.attach(0x0A04, ok).unwrap();
        assert_ne!(second, out);
        assert_eq!(table.outbound(0x0A05), Err(LinkError::Full));
        assert_eq!(table.slot(0x0A04), Some(second));
        assert_eq!(table.slot(0x0A05), None);
    }
}
