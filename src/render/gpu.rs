//! Adapter and device policy: which GPU renders, and what happens when it goes away.
//!
//! * `WGPU_BACKEND` (e.g. `vulkan`) and `WGPU_ADAPTER_NAME` (a substring of the adapter name)
//!   are honoured, as in wgpu's own tools.
//! * Otherwise the high-performance adapter is taken. A CPU adapter (Mesa lavapipe) is accepted
//!   only when nothing else exists *and* software rendering is allowed (`--allow-software`,
//!   or `RENDER_WORKER_ALLOW_SOFTWARE=1` as the tests set it): a worker on a GPU instance that
//!   silently renders on the CPU is a fleet running forty times slower.
//! * A lost device is noticed through wgpu's callback; the renderer then builds a new [`Gpu`]
//!   and retries the job once.

use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What rendered: recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterReport {
    /// Adapter name, e.g. "NVIDIA H100" or "llvmpipe (LLVM 15.0.6, 256 bits)".
    pub name: String,
    /// Graphics API, e.g. "Vulkan".
    pub backend: String,
    /// "DiscreteGpu", "IntegratedGpu", "Cpu", ...
    pub device_type: String,
    /// Driver name and version.
    pub driver: String,
}

/// Why the GPU could not render: no device could be created, or a render failed on it.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// No adapter at all (no Vulkan loader or driver).
    #[error(
        "no graphics adapter found: {0} (on Debian/Ubuntu: apt-get install libvulkan1 mesa-vulkan-drivers)"
    )]
    NoAdapter(String),
    /// Only a CPU adapter exists and software rendering was not allowed.
    #[error(
        "only a software adapter ({0}) is available; pass --allow-software to render on the CPU"
    )]
    SoftwareOnly(String),
    /// The adapter refused to create a device.
    #[error("cannot create a device on {adapter}: {reason}")]
    Device {
        /// Adapter name.
        adapter: String,
        /// wgpu's message.
        reason: String,
    },
    /// wgpu refused a render's commands (a bug, or a scene beyond the device's limits).
    #[error("GPU validation: {0}")]
    Validation(String),
    /// Waiting for submitted work failed (the device was lost or the wait timed out).
    #[error("waiting for the GPU: {0}")]
    Wait(String),
    /// A rendered image could not be mapped for reading back.
    #[error("readback: {0}")]
    Readback(String),
    /// The readiness self-test's triangle did not show.
    #[error("self-test rendered {centre:?} at the centre")]
    SelfTest {
        /// The centre pixel, straight-alpha sRGB RGBA.
        centre: [u8; 4],
    },
}

/// One adapter, its device and queue.
pub struct Gpu {
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    /// What it is.
    pub report: AdapterReport,
    lost: Arc<AtomicBool>,
}

impl Gpu {
    /// Picks an adapter by the policy above and creates a device on it.
    pub fn new(allow_software: bool) -> Result<Gpu, GpuError> {
        pollster::block_on(Self::new_async(allow_software))
    }

    async fn new_async(allow_software: bool) -> Result<Gpu, GpuError> {
        let instance =
            wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = match wgpu::util::initialize_adapter_from_env(&instance, None).await {
            Ok(a) => a,
            Err(_) => pick_adapter(&instance, allow_software).await?,
        };
        let info = adapter.get_info();
        if info.device_type == wgpu::DeviceType::Cpu && !allow_software {
            return Err(GpuError::SoftwareOnly(info.name));
        }
        let mut limits = wgpu::Limits::downlevel_defaults().using_resolution(adapter.limits());
        limits.max_texture_dimension_2d = adapter.limits().max_texture_dimension_2d.min(8192);
        // Timestamps when available: renders report their GPU time.
        let features = adapter.features()
            & (wgpu::Features::TEXTURE_ADAPTER_SPECIFIC_FORMAT_FEATURES
                | wgpu::Features::TIMESTAMP_QUERY);
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("render-worker"),
                required_features: features,
                required_limits: limits,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Device {
                adapter: info.name.clone(),
                reason: e.to_string(),
            })?;
        let lost = Arc::new(AtomicBool::new(false));
        let flag = lost.clone();
        device.set_device_lost_callback(move |reason, message| {
            tracing::error!(?reason, %message, "GPU device lost");
            flag.store(true, Ordering::SeqCst);
        });
        let report = AdapterReport {
            name: info.name.clone(),
            backend: format!("{:?}", info.backend),
            device_type: format!("{:?}", info.device_type),
            driver: format!("{} {}", info.driver, info.driver_info)
                .trim()
                .to_string(),
        };
        tracing::info!(adapter = %report.name, backend = %report.backend, "GPU adapter");
        Ok(Gpu {
            device,
            queue,
            report,
            lost,
        })
    }

    /// True once the driver reported the device lost.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Marks the device lost (used by tests to exercise the retry path).
    pub fn mark_lost(&self) {
        self.lost.store(true, Ordering::SeqCst);
    }
}

/// A hardware adapter when there is one, else (if allowed) a software one.
async fn pick_adapter(
    instance: &wgpu::Instance,
    allow_software: bool,
) -> Result<wgpu::Adapter, GpuError> {
    let adapters = instance.enumerate_adapters(wgpu::Backends::all()).await;
    let rank = |a: &wgpu::Adapter| match a.get_info().device_type {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    };
    // Vulkan before GL: the GL backend has lost devices at request_device on NVIDIA hosts.
    let backend_rank = |a: &wgpu::Adapter| u8::from(a.get_info().backend != wgpu::Backend::Vulkan);
    let best = adapters
        .into_iter()
        .min_by_key(|a| (rank(a), backend_rank(a)))
        .ok_or_else(|| GpuError::NoAdapter("wgpu enumerated no adapters".into()))?;
    let info = best.get_info();
    if info.device_type == wgpu::DeviceType::Cpu && !allow_software {
        return Err(GpuError::SoftwareOnly(info.name));
    }
    Ok(best)
}
