//! Client libraries that make a late datastore harmless to the program that links them, as its
//! build context's dependency manifest declares them (a Compose `build:`; read by the Compose
//! front end).
//!
//! Only document-store and cache clients whose documented default behaviour turns a startup race
//! into a wait or a per-request error are listed: MongoDB drivers wait for a server to select
//! (the drivers' Server Selection specification: `serverSelectionTimeoutMS`, 30 s by default)
//! and connect in the background; some Redis clients retry the first connection, others only
//! connect when a command needs a connection. SQL clients are not listed: applications usually
//! query or migrate as they start, and crash when the database is not there. Nor are broker
//! clients: none is listed until its documentation says that its first connection is retried by
//! default (amqplib's `connect` rejects at once).

use nexus_source::Span;

use super::migration::image_basename;
use super::{EdgeKind, Platform, Workload};

/// A package ecosystem, as its manifest names packages.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ecosystem {
    Npm,
    PyPi,
    Go,
}

/// The datastore a client library talks to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Store {
    MongoDb,
    Redis,
}

impl Store {
    pub fn as_str(self) -> &'static str {
        match self {
            Store::MongoDb => "MongoDB",
            Store::Redis => "Redis",
        }
    }
}

/// How a client behaves while its server is not there yet.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// It waits for the server, or retries the first connection, before an operation fails.
    Waits,
    /// It connects when a command needs a connection: an operation fails while the server is
    /// down, the program does not. Harmless to a server that uses it per request, not to a
    /// worker that polls its queue as it starts.
    Lazy,
}

impl Behaviour {
    /// Why, for messages.
    pub fn reason(self) -> &'static str {
        match self {
            Behaviour::Waits => "waits for the server on its first connection",
            Behaviour::Lazy => "connects on first use",
        }
    }
}

/// A client library a service's build context declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientLibrary {
    /// The package as the manifest names it.
    pub name: String,
    pub ecosystem: Ecosystem,
    pub store: Store,
    pub behaviour: Behaviour,
    /// The manifest line that names it.
    pub at: Span,
    /// That place, `path:line` relative to the Compose file, for messages.
    pub place: String,
}

/// The client libraries, by ecosystem and package name (a Go entry also covers its major-version
/// paths: `github.com/redis/go-redis/v9`).
const TOLERANT: &[(Ecosystem, &str, Store, Behaviour)] = &[
    // Mongoose buffers model calls until it is connected, and `mongoose.connect()` waits for
    // server selection (mongoosejs.com/docs/connections, "Operation Buffering",
    // `serverSelectionTimeoutMS`).
    (Ecosystem::Npm, "mongoose", Store::MongoDb, Behaviour::Waits),
    // The Node.js driver's `connect()` runs server selection, 30 s by default.
    (Ecosystem::Npm, "mongodb", Store::MongoDb, Behaviour::Waits),
    // ioredis retries every connection, the first one too (`retryStrategy`, by default
    // `times => Math.min(times * 50, 2000)`, with no limit), and queues commands meanwhile
    // (`enableOfflineQueue: true`); an `error` event nobody listens to is logged, not thrown
    // (ioredis `DEFAULT_REDIS_OPTIONS`).
    (Ecosystem::Npm, "ioredis", Store::Redis, Behaviour::Waits),
    // Not node-redis (`redis` on npm): it reconnects (`socket.reconnectStrategy`), but it emits
    // each failed attempt as an `error` event, which ends the process when the program
    // registers no listener (redis.io, node-redis "Production usage": "If a client does not
    // register at least one error listener and an error occurs, the system will throw that
    // error"). Whether it does is in the code, not the manifest.
    //
    // PyMongo's `MongoClient` returns at once and connects in the background; an operation
    // waits for server selection, and after a network error "the client reconnects in the
    // background" (pymongo.readthedocs.io, `mongo_client`). Motor, MongoEngine and
    // Flask-PyMongo create PyMongo clients.
    (Ecosystem::PyPi, "pymongo", Store::MongoDb, Behaviour::Waits),
    (Ecosystem::PyPi, "motor", Store::MongoDb, Behaviour::Waits),
    (Ecosystem::PyPi, "mongoengine", Store::MongoDb, Behaviour::Waits),
    (Ecosystem::PyPi, "flask-pymongo", Store::MongoDb, Behaviour::Waits),
    // redis-py's `Redis()` only builds a `ConnectionPool`, which makes a connection when a command
    // asks for one (`ConnectionPool.get_connection` → `make_connection`, redis/redis-py). Flask-Redis
    // and django-redis create redis-py clients.
    (Ecosystem::PyPi, "redis", Store::Redis, Behaviour::Lazy),
    (Ecosystem::PyPi, "flask-redis", Store::Redis, Behaviour::Lazy),
    (Ecosystem::PyPi, "django-redis", Store::Redis, Behaviour::Lazy),
    // The Go driver's `mongo.Connect` does no I/O; an operation "loops until it finds a server"
    // for up to `serverSelectionTimeoutMS` (mongodb.com/docs/drivers/go, "Context", "Server
    // Selection").
    (Ecosystem::Go, "go.mongodb.org/mongo-driver", Store::MongoDb, Behaviour::Waits),
    // go-redis dials its pool's connections when a command needs one ("it should open new
    // connections when needed", redis/go-redis discussion #1919).
    (Ecosystem::Go, "github.com/redis/go-redis", Store::Redis, Behaviour::Lazy),
    (Ecosystem::Go, "github.com/go-redis/redis", Store::Redis, Behaviour::Lazy),
];

/// The store and behaviour of a package, if it is one of the [`TOLERANT`] clients.
pub fn tolerant(ecosystem: Ecosystem, name: &str) -> Option<(Store, Behaviour)> {
    let name = match ecosystem {
        Ecosystem::Npm | Ecosystem::Go => name.to_ascii_lowercase(),
        // PEP 503: case, `_` and `.` do not tell names apart.
        Ecosystem::PyPi => name.to_ascii_lowercase().replace(['_', '.'], "-"),
    };
    TOLERANT
        .iter()
        .find(|(e, known, ..)| {
            *e == ecosystem
                && (name == *known
                    || (ecosystem == Ecosystem::Go
                        && name.strip_prefix(known).is_some_and(|rest| rest.starts_with("/v"))))
        })
        .map(|(_, _, store, behaviour)| (*store, *behaviour))
}

/// Which store a provider is, by its image (`mongo`, `bitnami/mongodb`, `redis`, `valkey`,
/// `redislabs/redismod`) or by how its consumers reach it (`mongodb://`, `redis://`, 27017,
/// 6379).
pub fn store_of(p: &Platform, w: &Workload) -> Option<Store> {
    let by_image = w.containers.first().into_iter().flat_map(|c| c.images()).find_map(|image| {
        let base = image_basename(image).to_ascii_lowercase();
        if base.starts_with("mongo") && !base.starts_with("mongo-express") {
            Some(Store::MongoDb)
        } else if base.contains("redis") || base.starts_with("valkey") || base.starts_with("keydb") {
            Some(Store::Redis)
        } else {
            None
        }
    });
    by_image.or_else(|| {
        p.dependents_of(w.id).find_map(|e| match &e.kind {
            EdgeKind::Host { scheme, port, .. } => {
                let scheme = scheme.as_deref().map(|s| s.split('+').next().unwrap_or(s));
                match (scheme, *port) {
                    (Some("mongodb"), _) | (None, Some(27017)) => Some(Store::MongoDb),
                    (Some("redis" | "rediss"), _) | (None, Some(6379)) => Some(Store::Redis),
                    _ => None,
                }
            }
            _ => None,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_clients_by_ecosystem() {
        assert_eq!(tolerant(Ecosystem::Npm, "mongoose"), Some((Store::MongoDb, Behaviour::Waits)));
        assert_eq!(tolerant(Ecosystem::PyPi, "Flask_PyMongo"), Some((Store::MongoDb, Behaviour::Waits)));
        assert_eq!(tolerant(Ecosystem::PyPi, "redis"), Some((Store::Redis, Behaviour::Lazy)));
        assert_eq!(tolerant(Ecosystem::Go, "github.com/redis/go-redis/v9"), Some((Store::Redis, Behaviour::Lazy)));
        // node-redis, SQL clients and names that only start alike are not.
        assert_eq!(tolerant(Ecosystem::Npm, "redis"), None);
        assert_eq!(tolerant(Ecosystem::Npm, "pg"), None);
        assert_eq!(tolerant(Ecosystem::PyPi, "psycopg2-binary"), None);
        assert_eq!(tolerant(Ecosystem::PyPi, "redis-om"), None);
        assert_eq!(tolerant(Ecosystem::Go, "github.com/lib/pq"), None);
        assert_eq!(tolerant(Ecosystem::Go, "github.com/redis/go-redis-extra"), None);
    }
}
