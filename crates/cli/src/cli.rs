//! Command-line syntax.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "dnslab",
    version,
    about = "Hands-on DNSSEC workshops: signed lab DNS trees, trainee zones, grading"
)]
pub struct Cli {
    /// More log output (-v info, -vv debug); DNSLAB_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// DNSSEC keys: generate, DS records.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Zone files: check, sign, verify.
    #[command(subcommand)]
    Zone(ZoneCommand),
    /// Serve pre-signed zones as an authoritative server (UDP and TCP).
    Serve(ServeArgs),
    /// Bring up a lab: the signed lab DNS tree and every trainee's nodes.
    Up(UpArgs),
    /// Show the lab's nodes and trainees, and whether each node answers.
    Status(StatusArgs),
    /// Stop the lab (trainee workspaces and lab keys stay unless --purge).
    Down(DownArgs),
    /// Put a trainee's workspace and zone back to the start.
    Reset(ResetArgs),
    /// Print the lab's trust anchor, ready to paste into a resolver.
    TrustAnchor(TrustAnchorArgs),
    /// Print root hints for the lab root (the usual hints-file format).
    RootHints(StateArgs),
    /// Print a complete configuration for your own Unbound or BIND that
    /// validates and recurses through the lab (any lab port).
    ResolverConfig(ResolverConfigArgs),
    /// Print a configuration for Knot's offline signer (kzonesign, keymgr)
    /// that signs a trainee's zone in their workspace.
    SignerConfig(SignerConfigArgs),
    /// The classroom on the web beside the running lab: a portal per
    /// trainee, a live board for the instructor (`dnslab web tokens`
    /// prints the logins).
    Web(WebArgs),
    /// DS records of trainee zones in their TLD.
    #[command(subcommand)]
    Ds(DsCommand),
    /// Generate keys, sign a sample zone and verify it, in a temporary directory.
    Demo(DemoArgs),
    /// List the bogus zoo: fixture zones under zoo. and what a validating
    /// resolver must make of each (needs no running lab).
    Zoo(ZooArgs),
    /// Grade trainees' work over the wire against the exercises' checks.
    Grade(GradeArgs),
    /// The exercises: list them, show one's instructions.
    #[command(subcommand)]
    Exercise(ExerciseCommand),
    /// Scenario files: validate them, test them against a throw-away lab.
    #[command(subcommand)]
    Scenario(ScenarioCommand),
    /// A trainee zone's recorded timeline: keys, DS and signatures over
    /// time, and whether a validating resolver could have failed.
    Timeline(TimelineArgs),
    /// Run a validating resolver (what the lab's resolver nodes run).
    Resolve(ResolveArgs),
    /// The Docker images dnslab builds (no registry needed).
    #[command(subcommand)]
    Image(ImageCommand),
    /// An interactive shell in a trainee's workstation (Docker labs with
    /// `nodes: { workstation: true }`).
    Shell(ShellArgs),
    /// Run one command in a trainee's workstation; exits with its status.
    Exec(ExecArgs),
    /// Trainees' SSH logins to their workstations (lab file: access.ssh,
    /// Docker backend).
    #[command(subcommand)]
    Access(AccessCommand),
    /// One printable sheet per trainee: SSH login and password, zone,
    /// servers, exercises. It holds every trainee's password: print it,
    /// cut it, hand each sheet to its trainee.
    Handout(HandoutArgs),
}

#[derive(Subcommand, Debug)]
pub enum AccessCommand {
    /// Each trainee's `ssh` command line, password and the workstation's
    /// host key fingerprint.
    List(AccessListArgs),
}

#[derive(Args, Debug)]
pub struct AccessListArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoutFormatArg {
    /// Plain text, one sheet a page (form feeds).
    Text,
    /// A printable HTML page, one sheet a printed page.
    Html,
}

#[derive(Args, Debug)]
pub struct HandoutArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: HandoutFormatArg,
    /// Write to this file (atomically, mode 0600: it holds passwords)
    /// instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
pub struct ShellArgs {
    /// The trainee's name.
    pub trainee: String,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// The trainee's name.
    pub trainee: String,
    /// The command and its arguments (after --).
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
pub struct ResolveArgs {
    /// Address and port to answer on, UDP and TCP.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: std::net::SocketAddr,
    /// Root hints file (`dnslab root-hints` writes one).
    #[arg(long, value_name = "FILE")]
    pub root_hints: PathBuf,
    /// DNSKEY or DS records to trust; without it the resolver does not validate.
    #[arg(long, value_name = "FILE")]
    pub trust_anchors: Option<PathBuf>,
    /// Networks whose queries are answered (others are REFUSED; repeat).
    #[arg(long = "allow", value_name = "CIDR", default_values = ["127.0.0.0/8", "::1/128"])]
    pub allow: Vec<String>,
    /// The port the servers it recurses to listen on: referrals carry no
    /// port, so every query for port 53 goes to this port instead.
    #[arg(long, value_name = "PORT", default_value_t = 53)]
    pub lab_port: u16,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKindArg {
    Node,
    Trainee,
}

#[derive(Subcommand, Debug)]
pub enum ImageCommand {
    /// Build an image: `node` from this dnslab (FROM scratch), `trainee`
    /// from a Debian root filesystem made by debootstrap (--rootfs).
    Build(ImageBuildArgs),
    /// List the images dnslab built.
    Ls(ImageLsArgs),
    /// Remove dnslab's images (all of them, or one kind).
    Rm(ImageRmArgs),
}

#[derive(Args, Debug)]
pub struct ImageBuildArgs {
    #[arg(value_enum)]
    pub kind: ImageKindArg,
    /// The trainee image's root filesystem, e.g. made with
    /// `debootstrap --variant=minbase --include=bind9-utils,bind9-dnsutils,ldnsutils,knot-dnsutils,knot-dnssecutils,unbound bookworm DIR`.
    #[arg(long, value_name = "DIR")]
    pub rootfs: Option<PathBuf>,
    /// Build even when an image with the same content exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ImageLsArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
}

#[derive(Args, Debug)]
pub struct ImageRmArgs {
    /// Only this kind (default: every dnslab image).
    #[arg(value_enum)]
    pub kind: Option<ImageKindArg>,
}

#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[arg(long)]
    pub trainee: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TimelineFormatArg,
    /// Write to this file (atomically) instead of stdout.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub state: StateArgs,
}

/// `dnslab timeline --format`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineFormatArg {
    Text,
    Json,
    /// The timeline as a picture (SVG).
    Svg,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormatArg {
    Text,
    Json,
    Junit,
    Csv,
    /// The chain-of-trust picture of each graded trainee (SVG): one
    /// trainee to stdout or `-o FILE`, several into `-o DIR` as
    /// `DIR/<trainee>.svg`.
    Svg,
}

#[derive(Args, Debug)]
pub struct GradeArgs {
    /// Grade this exercise (default: every exercise of the lab file).
    #[arg(long)]
    pub exercise: Vec<String>,
    /// Grade this trainee (repeatable).
    #[arg(long, conflicts_with = "all")]
    pub trainee: Vec<String>,
    /// Grade every trainee (the default when no --trainee is given).
    #[arg(long)]
    pub all: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormatArg,
    /// Write the report to this file (atomically) instead of stdout
    /// (`--format svg` with several trainees: this directory).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// Grade the resolver at IP:PORT instead of the trainee's lab resolver
    /// (a trainee's own Unbound or BIND).
    #[arg(long)]
    pub resolver: Option<std::net::SocketAddr>,
    /// Read scenario files from this directory instead of the built-in ones.
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// Grade as at this time (now, now+1d, YYYYMMDDHHMMSS...).
    #[arg(long)]
    pub time: Option<String>,
    /// Colour the text report (default: when stdout is a terminal).
    #[arg(long)]
    pub color: bool,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Subcommand, Debug)]
pub enum ExerciseCommand {
    /// List the exercises with their level and points.
    List(ExerciseListArgs),
    /// Print an exercise's instructions (for one trainee with --trainee).
    Show(ExerciseShowArgs),
    /// Start (or start over) an exercise: a rollover exercise is judged
    /// on the timeline from now on, not on earlier exercises.
    Start(ExerciseStartArgs),
}

#[derive(Args, Debug)]
pub struct ExerciseStartArgs {
    pub id: String,
    #[arg(long)]
    pub trainee: String,
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
pub struct ExerciseListArgs {
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExerciseShowArgs {
    pub id: String,
    /// Fill in this trainee's zone, addresses and files (needs the lab).
    #[arg(long)]
    pub trainee: Option<String>,
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Subcommand, Debug)]
pub enum ScenarioCommand {
    /// Validate scenario files: schema, check ids, mutants.
    Check(ScenarioFilesArgs),
    /// Run each file's reference solution and mutants against a
    /// throw-away embedded lab.
    Test(ScenarioTestArgs),
}

#[derive(Args, Debug)]
pub struct ScenarioFilesArgs {
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ScenarioTestArgs {
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Run the test lab on 127.N.0.0/16 (default: a free one from 127.150-199).
    #[arg(long)]
    pub network_octet: Option<u8>,
    /// Test on this lab file's lab (its TLDs, zones, timers, port and
    /// exercises), moved to the test network; its first trainee does the
    /// exercises. Default: a built-in lab on port 10053.
    #[arg(long, value_name = "LABFILE")]
    pub lab: Option<PathBuf>,
    /// Print each run's full report, not only its summary line.
    #[arg(long)]
    pub reports: bool,
}

#[derive(Args, Debug)]
pub struct ZooArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
}

/// Where the lab's state lives (`--state-dir`, or `DNSLAB_STATE_DIR`).
#[derive(Args, Debug, Clone)]
pub struct StateArgs {
    /// The lab's state directory (default: $DNSLAB_STATE_DIR, else
    /// $XDG_STATE_HOME/dnslab/<workshop>, else ~/.local/state/dnslab/<workshop>).
    #[arg(long, global = true)]
    pub state_dir: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendArg {
    Embedded,
    Docker,
}

#[derive(Args, Debug)]
pub struct UpArgs {
    /// The lab file (labs/*.yaml).
    pub labfile: PathBuf,
    #[arg(long, value_enum, default_value = "embedded")]
    pub backend: BackendArg,
    /// Return once every node answers; the lab keeps running in the background.
    #[arg(long)]
    pub detach: bool,
    /// Also serve the classroom web (trainee portal, instructor board) for
    /// as long as the lab runs; on 127.0.0.1:8080 unless an address is
    /// given (a LAN address only when asked).
    #[arg(long, value_name = "IP:PORT", num_args = 0..=1,
          default_missing_value = DEFAULT_WEB_LISTEN, require_equals = false)]
    pub web: Option<std::net::SocketAddr>,
    /// The address trainees type for the web, for the handout (default:
    /// http://IP:PORT of --web).
    #[arg(long, value_name = "URL", requires = "web")]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub state: StateArgs,
    /// Internal: the detached supervisor itself.
    #[arg(long, hide = true)]
    pub supervise: bool,
}

/// Where the classroom web listens unless told otherwise: loopback only.
pub const DEFAULT_WEB_LISTEN: &str = "127.0.0.1:8080";

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
pub struct DownArgs {
    /// Also delete what dnslab made in the state directory (lab keys,
    /// trainee workspaces), only in a directory `up` marked; anything
    /// else in it is kept.
    #[arg(long)]
    pub purge: bool,
    /// The workshop to take down, when its state directory is gone (its
    /// Docker containers and network are found by their labels).
    #[arg(long)]
    pub workshop: Option<String>,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
pub struct ResetArgs {
    /// The trainee's name.
    pub trainee: String,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorFormat {
    Ds,
    Dnskey,
    Unbound,
    Bind,
}

#[derive(Args, Debug)]
pub struct TrustAnchorArgs {
    #[arg(long, value_enum, default_value = "ds")]
    pub format: AnchorFormat,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerResolverFormat {
    Unbound,
    Bind,
}

#[derive(Args, Debug)]
pub struct ResolverConfigArgs {
    #[arg(long, value_enum, default_value = "unbound")]
    pub format: PeerResolverFormat,
    /// Where the resolver answers.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:5300")]
    pub listen: std::net::SocketAddr,
    /// BIND's working directory (`--format bind`).
    #[arg(long, value_name = "DIR", default_value = "/var/cache/bind")]
    pub directory: String,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct WebArgs {
    #[command(subcommand)]
    pub command: Option<WebCommand>,
    /// Where the web listens (a LAN address only when asked).
    #[arg(long, value_name = "IP:PORT", default_value = DEFAULT_WEB_LISTEN)]
    pub listen: std::net::SocketAddr,
    /// The address trainees type, for the handout (default: http://LISTEN).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Subcommand, Debug, Clone, Copy)]
pub enum WebCommand {
    /// Print the instructor's and every trainee's login token.
    Tokens,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerFormat {
    Knot,
}

#[derive(Args, Debug)]
pub struct SignerConfigArgs {
    #[arg(long, value_enum, default_value = "knot")]
    pub format: SignerFormat,
    /// The trainee whose zone it signs.
    #[arg(long)]
    pub trainee: String,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Subcommand, Debug)]
pub enum DsCommand {
    /// Put a trainee's DS records in their TLD (re-signed at once).
    Submit(DsSubmitArgs),
    /// Remove a trainee's DS records from their TLD.
    Withdraw(DsTraineeArgs),
    /// Show a trainee's DS records as the TLD serves them.
    Show(DsTraineeArgs),
    /// Scan trainee zones for CDS/CDNSKEY now, as the TLDs do every
    /// cds_scan.interval (RFC 7344, RFC 8078), and apply the decisions.
    Scan(DsScanArgs),
}

#[derive(Args, Debug)]
pub struct DsScanArgs {
    /// Scan this trainee's zone (repeatable; default: every trainee).
    #[arg(long)]
    pub trainee: Vec<String>,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["key", "ds"])))]
pub struct DsSubmitArgs {
    #[arg(long)]
    pub trainee: String,
    /// The KSK's .key file; its SHA-256 DS is submitted.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// A DS record, e.g. 't01.ne. IN DS 12345 13 2 ABCD…' (repeat for several).
    #[arg(long)]
    pub ds: Vec<String>,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
pub struct DsTraineeArgs {
    #[arg(long)]
    pub trainee: String,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// A zone to serve, as ORIGIN=FILE (repeat for several zones).
    #[arg(long = "zone", value_name = "ORIGIN=FILE", required = true)]
    pub zones: Vec<String>,
    /// Address and port to answer on, UDP and TCP (repeat for several).
    #[arg(long = "listen", value_name = "ADDR:PORT", required = true)]
    pub listen: Vec<std::net::SocketAddr>,
    /// Networks allowed to transfer zones with AXFR.
    #[arg(long = "axfr-allow", value_name = "CIDR", default_values = ["127.0.0.0/8", "::1/128"])]
    pub axfr_allow: Vec<String>,
    /// UDP worker threads per address (default: the number of cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seconds between checks of the zone files for changes.
    #[arg(long, default_value_t = 1.0)]
    pub watch_interval: f64,
    /// Serve FILE.signed instead of FILE whenever it exists (a trainee's
    /// server: it picks up the signed zone as soon as it is made).
    #[arg(long)]
    pub prefer_signed: bool,
    /// Start even when a zone file is broken: that zone is REFUSED until
    /// its file is fixed (lab nodes, where a trainee's mistake must not
    /// stop the server).
    #[arg(long)]
    pub allow_broken: bool,
    /// Benchmarks only: serve UDP through hickory-server's own UDP path.
    #[arg(long, hide = true)]
    pub udp_via_hickory: bool,
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Generate a key pair in BIND's format; prints the key's base name.
    Generate(KeyGenerateArgs),
    /// Print the DS record (or CDS/CDNSKEY with --cds) for a key.
    Ds(KeyDsArgs),
    /// Set or clear a key's timing metadata, like BIND's dnssec-settime;
    /// prints the key's times.
    Settime(KeySettimeArgs),
}

/// Times as for dnssec-settime: YYYYMMDDHHMMSS, seconds since the epoch,
/// now, +1d / -1h (from now), or `none` to clear.
#[derive(Args, Debug)]
pub struct KeySettimeArgs {
    /// The key's .key or .private file, or their base name.
    pub keyfile: PathBuf,
    /// When the DNSKEY is published in the zone.
    #[arg(short = 'P', long)]
    pub publish: Option<String>,
    /// When the key starts signing.
    #[arg(short = 'A', long)]
    pub activate: Option<String>,
    /// When the key is revoked (REVOKE flag, RFC 5011).
    #[arg(short = 'R', long)]
    pub revoke: Option<String>,
    /// When the key stops signing.
    #[arg(short = 'I', long)]
    pub inactive: Option<String>,
    /// When the DNSKEY is removed from the zone.
    #[arg(short = 'D', long)]
    pub delete: Option<String>,
    /// When CDS/CDNSKEY for the key are published (dnssec-settime -P sync).
    #[arg(long)]
    pub sync_publish: Option<String>,
    /// When CDS/CDNSKEY for the key are removed (dnssec-settime -D sync).
    #[arg(long)]
    pub sync_delete: Option<String>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlgorithmArg {
    #[value(name = "ECDSAP256SHA256", alias = "13", alias = "ecdsap256sha256")]
    Ecdsap256sha256,
    #[value(name = "ECDSAP384SHA384", alias = "14", alias = "ecdsap384sha384")]
    Ecdsap384sha384,
    #[value(name = "ED25519", alias = "15", alias = "ed25519")]
    Ed25519,
}

#[derive(Args, Debug)]
pub struct KeyGenerateArgs {
    /// The zone the key is for.
    #[arg(long)]
    pub zone: String,
    #[arg(long, value_enum, default_value = "ECDSAP256SHA256")]
    pub algorithm: AlgorithmArg,
    /// Make a key-signing key (flags 257, SEP).
    #[arg(long)]
    pub ksk: bool,
    /// Directory for the .key and .private files.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestArg {
    #[value(name = "SHA256", alias = "sha256", alias = "2")]
    Sha256,
    #[value(name = "SHA384", alias = "sha384", alias = "4")]
    Sha384,
    #[value(name = "SHA1", alias = "sha1", alias = "1")]
    Sha1,
}

#[derive(Args, Debug)]
pub struct KeyDsArgs {
    /// The key's .key file.
    pub keyfile: PathBuf,
    #[arg(long, value_enum, default_value = "SHA256")]
    pub digest: DigestArg,
    /// Print CDS and CDNSKEY records (RFC 7344) instead of DS.
    #[arg(long)]
    pub cds: bool,
}

#[derive(Subcommand, Debug)]
pub enum ZoneCommand {
    /// Read a zone file and report the first error with file:line:column.
    Check(ZoneCheckArgs),
    /// Sign a zone with the keys in a directory.
    Sign(ZoneSignArgs),
    /// Verify a signed zone: every finding with an id and an explanation.
    Verify(ZoneVerifyArgs),
}

#[derive(Args, Debug)]
pub struct ZoneCheckArgs {
    pub zonefile: PathBuf,
    /// The zone's name (the origin for relative names).
    #[arg(long)]
    pub origin: String,
    /// Write the zone back in canonical order to this file.
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerialArg {
    Keep,
    Increment,
    Unixtime,
}

#[derive(Args, Debug)]
pub struct ZoneSignArgs {
    pub zonefile: PathBuf,
    #[arg(long)]
    pub origin: String,
    /// Directory with the zone's K<zone>+<alg>+<tag>.key/.private files.
    #[arg(long, default_value = ".")]
    pub keys: PathBuf,
    /// Use NSEC3 (RFC 5155) instead of NSEC.
    #[arg(long)]
    pub nsec3: bool,
    /// NSEC3 extra iterations (RFC 9276: 0).
    #[arg(long, default_value_t = 0, requires = "nsec3")]
    pub iterations: u16,
    /// NSEC3 salt in hex, or - for none (RFC 9276: none).
    #[arg(long, default_value = "-", requires = "nsec3")]
    pub salt: String,
    /// NSEC3 opt-out: leave insecure delegations out of the chain.
    #[arg(long, requires = "nsec3")]
    pub opt_out: bool,
    /// Signature inception: now-1h, +1d, YYYYMMDDHHMMSS or epoch seconds.
    #[arg(long, default_value = "now-1h", allow_hyphen_values = true)]
    pub inception: String,
    /// Signature expiration, as --inception.
    #[arg(long, default_value = "now+14d", allow_hyphen_values = true)]
    pub expiration: String,
    #[arg(long, value_enum, default_value = "keep")]
    pub serial: SerialArg,
    /// Time at which key timing metadata is evaluated (default: now).
    #[arg(long, default_value = "now", allow_hyphen_values = true)]
    pub now: String,
    /// Output file (default: ZONEFILE.signed).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatArg {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct ZoneVerifyArgs {
    pub zonefile: PathBuf,
    #[arg(long)]
    pub origin: String,
    /// The time to check validity at: now, now+7d, YYYYMMDDHHMMSS, epoch seconds.
    #[arg(long, default_value = "now", allow_hyphen_values = true)]
    pub time: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep the files in this directory instead of a temporary one.
    #[arg(long)]
    pub dir: Option<PathBuf>,
}
