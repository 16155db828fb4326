//! Who may open another connection: at most `SWITCHBOARD_MAX_CONNECTIONS` in
//! total and `SWITCHBOARD_MAX_CONNECTIONS_PER_IP` from one address. Each
//! admitted connection holds an [`Admitted`] guard for as long as its socket is
//! open — through a WebSocket upgrade too, since the guard lives inside the
//! socket wrapper (`serve::activity`) — so the counts are open sockets, which
//! is what runs out (file descriptors).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

/// Why a connection was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Total,
    PerIp,
}

pub struct Admission {
    max_total: usize,
    max_per_ip: usize,
    /// Addresses exempt from the per-IP cap: the trusted reverse proxies,
    /// through which every client comes.
    exempt: Vec<IpAddr>,
    /// A std `Mutex`: held for a map update, never across an `.await`.
    open: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    /// Only addresses with open connections: an entry goes at zero.
    per_ip: HashMap<IpAddr, usize>,
}

impl Admission {
    pub fn new(max_total: usize, max_per_ip: usize, exempt: Vec<IpAddr>) -> Arc<Admission> {
        Arc::new(Admission {
            max_total: max_total.max(1),
            max_per_ip: max_per_ip.max(1),
            exempt,
            open: Mutex::new(Counts::default()),
        })
    }

    /// Counts a new connection from `ip`, or says why it may not open.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Admitted, Refused> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.total >= self.max_total {
            return Err(Refused::Total);
        }
        let from_ip = open.per_ip.get(&ip).copied().unwrap_or(0);
        if from_ip >= self.max_per_ip && !self.exempt.contains(&ip) {
            return Err(Refused::PerIp);
        }
        open.total += 1;
        open.per_ip.insert(ip, from_ip + 1);
        Ok(Admitted {
            admission: self.clone(),
            ip,
        })
    }

    /// Connections open now (for tests and logs).
    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).total
    }
}

/// One admitted connection; dropping it frees its place.
pub struct Admitted {
    admission: Arc<Admission>,
    ip: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self
            .admission
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.per_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_ip_and_in_total_and_frees_on_drop() {
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let proxy: IpAddr = "10.0.0.9".parse().unwrap();
        let adm = Admission::new(4, 2, vec![proxy]);
        let a1 = adm.admit(a).unwrap();
        let _a2 = adm.admit(a).unwrap();
        assert_eq!(adm.admit(a).err(), Some(Refused::PerIp));
        let _b1 = adm.admit(b).unwrap();
        let _p1 = adm.admit(proxy).unwrap();
        assert_eq!(adm.admit(proxy).err(), Some(Refused::Total));
        drop(a1);
        assert_eq!(adm.open(), 3);
        let _p2 = adm.admit(proxy).expect("a proxy is not capped per IP");
        assert_eq!(adm.admit(b).err(), Some(Refused::Total));
    }
}
