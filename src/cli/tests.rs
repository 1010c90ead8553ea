//! Command-line parsing: typed values, their spellings, and what the delivery flags leave alone.

use super::*;
use clap::{CommandFactory, ValueEnum};

fn parse(argv: &[&str]) -> std::result::Result<Cli, clap::Error> {
    Cli::try_parse_from(["render-worker"].iter().chain(argv))
}

/// `process in.glb <args>`'s job flags.
fn job(args: &[&str]) -> JobArgs {
    let argv: Vec<&str> = ["process", "in.glb"].iter().chain(args).copied().collect();
    match parse(&argv)
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        .command
    {
        Command::Process(p) => p.job,
        _ => unreachable!("process parses as process"),
    }
}

fn settings(args: &[&str]) -> Settings {
    job(args).settings().unwrap()
}

const WORKER: [&str; 5] = ["worker", "--queue-url", "q", "--output-bucket", "b"];

fn sse(args: &[&str]) -> Sse {
    let argv: Vec<&str> = WORKER.iter().chain(args).copied().collect();
    match parse(&argv).unwrap().command {
        Command::Worker(w) => w.sse,
        _ => unreachable!("worker parses as worker"),
    }
}

fn render_view(args: &[&str]) -> View {
    let argv: Vec<&str> = ["render", "in.glb", "-o", "x.png"]
        .iter()
        .chain(args)
        .copied()
        .collect();
    match parse(&argv).unwrap().command {
        Command::Render(r) => r.view,
        _ => unreachable!("render parses as render"),
    }
}

#[test]
fn bad_values_are_refused_naming_the_allowed_ones() {
    let process = |flag, value| vec!["process", "in.glb", flag, value];
    let mut worker = WORKER.to_vec();
    worker.extend(["--sse", "rot13"]);
    let cases: [(Vec<&str>, &[&str]); 6] = [
        (
            process("--compress", "zip"),
            &["none", "meshopt", "khr-meshopt"],
        ),
        (
            process("--texture-format", "gif"),
            &["keep", "ktx2", "webp", "jpeg", "png"],
        ),
        (
            process("--profile", "desktop"),
            &["web", "ar-android", "ar-ios", "thumbnail"],
        ),
        (
            process("--views", "front,diagonal"),
            &["front", "back", "left", "right", "top", "three-quarter"],
        ),
        (
            vec!["render", "in.glb", "-o", "x.png", "--view", "diagonal"],
            &["front", "three-quarter"],
        ),
        (worker, &["aes256", "aws:kms", "none"]),
    ];
    for (argv, allowed) in cases {
        let e = parse(&argv).expect_err(&argv.join(" "));
        assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue, "{argv:?}");
        let message = e.to_string();
        let bad = argv.last().unwrap().rsplit(',').next().unwrap();
        assert!(message.contains(&format!("'{bad}'")), "{message}");
        let flag = argv[argv.len() - 2];
        assert!(message.contains(flag), "{message}");
        for name in allowed {
            assert!(
                message.contains(name),
                "{flag}: {name} missing in {message}"
            );
        }
    }
}

/// `flag name` gives `expected` in `field` of the settings, for each `(name, expected)`.
fn spellings<T: PartialEq + std::fmt::Debug>(
    flag: &str,
    field: fn(Settings) -> T,
    cases: impl IntoIterator<Item = (&'static str, T)>,
) {
    for (name, expected) in cases {
        assert_eq!(field(settings(&[flag, name])), expected, "{flag} {name}");
    }
}

#[test]
fn good_values_give_the_settings_they_gave_before() {
    use Compression as C;
    let compress = [
        ("none", C::None),
        ("meshopt", C::Meshopt),
        ("khr-meshopt", C::KhrMeshopt),
    ];
    spellings("--compress", |s| s.delivery.compress, compress);
    use TextureFormat as T;
    let formats = [("keep", T::Keep), ("ktx2", T::Ktx2), ("webp", T::Webp)];
    let formats = formats
        .into_iter()
        .chain([("jpeg", T::Jpeg), ("png", T::Png)]);
    spellings("--texture-format", |s| s.delivery.texture_format, formats);
    let profiles = [
        ("web", Profile::Web),
        ("ar-android", Profile::ArAndroid),
        ("ar-ios", Profile::ArIos),
        ("thumbnail", Profile::Thumbnail),
    ];
    let presets = profiles.map(|(name, p)| {
        let mut preset = Settings::default();
        p.apply(&mut preset);
        (name, preset)
    });
    spellings("--profile", |s| s, presets);
    use View::*;
    let views = [
        ("front", vec![Front]),
        // Spaces after the commas were accepted (an env list) and still are.
        ("back, left,right ,top", vec![Back, Left, Right, Top]),
        ("three-quarter,3/4", vec![ThreeQuarter, ThreeQuarter]),
    ];
    spellings("--views", |s| s.views, views);
    assert_eq!(render_view(&[]), ThreeQuarter);
    assert_eq!(render_view(&["--view", "3/4"]), ThreeQuarter);
    assert_eq!(render_view(&["--view", "top"]), Top);
    assert_eq!(sse(&[]), Sse::Aes256);
    assert_eq!(sse(&["--sse", "AES256"]), Sse::Aes256);
    assert_eq!(sse(&["--sse", "aws:kms"]), Sse::AwsKms);
    assert_eq!(sse(&["--sse", "none"]), Sse::None);
}

/// The command line and the manifest (and job messages) spell each value the same way.
#[test]
fn command_line_names_are_the_serde_names() {
    fn check<T: ValueEnum + serde::Serialize>() {
        for v in T::value_variants() {
            let name = v.to_possible_value().expect("no hidden variants");
            assert_eq!(serde_json::to_value(v).unwrap(), name.get_name());
        }
    }
    check::<Compression>();
    check::<TextureFormat>();
    check::<Profile>();
}
#[test]
fn without_flags_the_settings_are_the_defaults() {
    assert_eq!(settings(&[]), Settings::default());
}

// Regression: `apply` overwrote the bit depths, fps and texture quality with clap's defaults,
// so a preset's values for them were lost even when those flags were not given.
#[test]
fn delivery_flags_left_out_keep_the_preset() {
    let preset = Delivery {
        position_bits: 11,
        normal_bits: 6,
        texcoord_bits: 10,
        color_bits: 5,
        animation_fps: 15,
        texture_quality: TextureQuality::Fixed(60),
        max_texture_error: 0.02,
        max_texture_size: 512,
        compress: Compression::KhrMeshopt,
        texture_format: TextureFormat::Webp,
        ..Delivery::default()
    };
    let mut d = preset.clone();
    job(&[]).delivery.apply(&mut d);
    assert_eq!(d, preset);
    let flags = [
        ["--position-bits", "16"],
        ["--normal-bits", "8"],
        ["--texcoord-bits", "12"],
        ["--color-bits", "8"],
        ["--animation-fps", "0"],
        ["--texture-quality", "95"],
        ["--max-texture-error", "0.1"],
        ["--max-normal-error", "5"],
        ["--max-texture-size", "1024"],
        ["--compress", "none"],
        ["--texture-format", "png"],
    ];
    let mut d = preset.clone();
    job(flags.as_flattened()).delivery.apply(&mut d);
    let expected = Delivery {
        position_bits: 16,
        normal_bits: 8,
        texcoord_bits: 12,
        color_bits: 8,
        animation_fps: 0,
        texture_quality: TextureQuality::Fixed(95),
        max_texture_error: 0.1,
        max_normal_error: 5.0,
        max_texture_size: 1024,
        compress: Compression::None,
        texture_format: TextureFormat::Png,
        ..preset
    };
    assert_eq!(d, expected);
    // A profile is such a preset.
    let thumbnail = settings(&["--profile", "thumbnail"]).delivery;
    assert_eq!(thumbnail.max_texture_size, 512);
    let overridden = settings(&["--profile", "thumbnail", "--max-texture-size", "1024"]);
    assert_eq!(overridden.delivery.max_texture_size, 1024);
    assert_eq!(overridden.delivery.compress, thumbnail.compress);
}

/// The delivery flags have no clap default (so a preset survives); their help states the
/// default by hand, which must be `Delivery::default()`'s.
#[test]
fn help_states_the_delivery_defaults() {
    let d = Delivery::default();
    let cmd = Cli::command();
    let process = cmd.find_subcommand("process").unwrap();
    for (flag, default) in [
        ("position-bits", d.position_bits.to_string()),
        ("normal-bits", d.normal_bits.to_string()),
        ("texcoord-bits", d.texcoord_bits.to_string()),
        ("color-bits", d.color_bits.to_string()),
        ("animation-fps", d.animation_fps.to_string()),
        ("texture-quality", d.texture_quality.to_string()),
        ("max-texture-error", d.max_texture_error.to_string()),
        ("max-normal-error", d.max_normal_error.to_string()),
        ("max-texture-size", d.max_texture_size.to_string()),
        ("compress", "none".into()),
        ("texture-format", "keep".into()),
    ] {
        let arg = process
            .get_arguments()
            .find(|a| a.get_long() == Some(flag))
            .unwrap();
        let help = arg.get_long_help().or(arg.get_help()).unwrap().to_string();
        assert!(
            help.contains(&format!("[default: {default}]")),
            "--{flag}: {help}"
        );
    }
    assert_eq!(d.compress, Compression::None);
    assert_eq!(d.texture_format, TextureFormat::Keep);
}
