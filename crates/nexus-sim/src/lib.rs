pub mod defaults;
pub mod dist;
pub mod engine;
pub mod finding;
pub mod log;
pub mod rng;
pub mod spec;
pub mod run;
