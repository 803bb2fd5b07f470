//! Where a client keeps what it needs to resume: TLS 1.3 tickets (each used once) and
//! TLS 1.2 sessions, by server name, in a store the application may replace.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use strata_handshake::machine::{StoredTicket, Tls12Session};

/// A client's session store. Implementations must be bounded: a server can send any
/// number of tickets.
pub trait ClientSessionStore: Send + Sync + std::fmt::Debug {
    /// Keeps a TLS 1.3 ticket for `server_name`.
    fn put_ticket(&self, server_name: &str, ticket: StoredTicket);
    /// Takes a TLS 1.3 ticket for `server_name` (RFC 8446 §C.4: each is used once).
    fn take_ticket(&self, server_name: &str) -> Option<StoredTicket>;
    /// Keeps the TLS 1.2 session for `server_name`, replacing an older one.
    fn put_tls12(&self, server_name: &str, session: Tls12Session);
    /// The TLS 1.2 session for `server_name`, if any.
    fn get_tls12(&self, server_name: &str) -> Option<Tls12Session>;
}

/// The default store: in memory, at most `names` server names (the oldest name goes
/// first), at most four tickets each.
#[derive(Debug)]
pub struct MemorySessionStore {
    names: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    order: VecDeque<String>,
    tickets: HashMap<String, VecDeque<StoredTicket>>,
    tls12: HashMap<String, Tls12Session>,
}

/// Tickets kept per server name.
const TICKETS_PER_NAME: usize = 4;

impl MemorySessionStore {
    /// A store for up to `names` server names.
    pub fn new(names: usize) -> Self {
        Self {
            names: names.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// How many server names have something stored.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.order.len()).unwrap_or(0)
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemorySessionStore {
    fn default() -> Self {
        Self::new(256)
    }
}

impl Inner {
    /// Marks `name` as most recently used, evicting the oldest names past `limit`.
    fn touch(&mut self, name: &str, limit: usize) {
        // A name already kept moves to the back as it is (a reconnecting client's name
        // is not copied again).
        let kept = self
            .order
            .iter()
            .position(|n| n == name)
            .and_then(|at| self.order.remove(at));
        self.order
            .push_back(kept.unwrap_or_else(|| name.to_owned()));
        while self.order.len() > limit {
            if let Some(old) = self.order.pop_front() {
                self.tickets.remove(&old);
                self.tls12.remove(&old);
            }
        }
    }
}

impl ClientSessionStore for MemorySessionStore {
    fn put_ticket(&self, server_name: &str, ticket: StoredTicket) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.touch(server_name, self.names);
        // The key is copied only for a name not kept yet.
        let list = match inner.tickets.get_mut(server_name) {
            Some(list) => list,
            None => inner.tickets.entry(server_name.to_owned()).or_default(),
        };
        if list.len() == TICKETS_PER_NAME {
            list.pop_front();
        }
        list.push_back(ticket);
    }

    fn take_ticket(&self, server_name: &str) -> Option<StoredTicket> {
        let mut inner = self.inner.lock().ok()?;
        // The newest ticket first: it lives longest.
        inner.tickets.get_mut(server_name)?.pop_back()
    }

    fn put_tls12(&self, server_name: &str, session: Tls12Session) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.touch(server_name, self.names);
        match inner.tls12.get_mut(server_name) {
            Some(kept) => *kept = session,
            None => {
                inner.tls12.insert(server_name.to_owned(), session);
            }
        }
    }

    fn get_tls12(&self, server_name: &str) -> Option<Tls12Session> {
        self.inner.lock().ok()?.tls12.get(server_name).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_handshake::machine::PeerChain;
    use strata_handshake::suites::ALL_SUITES;
    use strata_handshake::{NamedGroup, Secret};

    fn session(id: u8) -> Tls12Session {
        Tls12Session {
            session_id: vec![id; 32],
            ticket: None,
            ticket_lifetime: 0,
            master_secret: Secret::from_slice(&[id; 48]).unwrap(),
            suite: ALL_SUITES[0],
            group: NamedGroup::X25519,
            extended_master_secret: true,
            peer_certificates: PeerChain::default(),
            server_name: None,
            alpn: None,
        }
    }

    #[test]
    fn a_name_used_again_is_the_newest_and_the_oldest_other_goes() {
        // Names a, b, c in a store of three; a again (replacing its session), then d:
        // b, now the least recently used, is the one evicted.
        let store = MemorySessionStore::new(3);
        for (name, id) in [("a", 1), ("b", 2), ("c", 3), ("a", 4), ("d", 5)] {
            store.put_tls12(name, session(id));
        }
        assert_eq!(store.len(), 3);
        assert!(store.get_tls12("b").is_none());
        let a = store.get_tls12("a").unwrap();
        assert_eq!(a.session_id, vec![4; 32]);
        assert!(store.get_tls12("c").is_some() && store.get_tls12("d").is_some());
    }
}
