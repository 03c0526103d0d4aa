/**
 * C helpers an exported KUnit suite carries: the step printers, and small
 * wrappers where a scenario operation is several kernel calls in 6.12 (an
 * mm the test thread adopts, GUP under the mmap lock, a page_pool on a
 * KUnit device). Each group is emitted only when a step uses it.
 */

export interface HelperGroup {
  readonly headers: readonly string[];
  readonly code: string;
}

/** Every step prints `pagesim: step N op = value` after it returns. */
export const PRINTERS = `static unsigned int pagesim_step;

static void __maybe_unused pagesim_void(const char *op)
{
	pr_info("pagesim: step %u %s\\n", ++pagesim_step, op);
}

static void __maybe_unused pagesim_skip(const char *op)
{
	pr_info("pagesim: step %u %s skipped\\n", ++pagesim_step, op);
}

static void __maybe_unused pagesim_page(const char *op, struct page *page)
{
	if (page)
		pr_info("pagesim: step %u %s = pfn %#lx\\n", ++pagesim_step, op,
			page_to_pfn(page));
	else
		pr_info("pagesim: step %u %s = NULL\\n", ++pagesim_step, op);
}

static void __maybe_unused pagesim_ptr(const char *op, const char *type,
				       const void *ptr)
{
	if (ptr && !IS_ERR(ptr))
		pr_info("pagesim: step %u %s = %s %px\\n", ++pagesim_step, op,
			type, ptr);
	else
		pr_info("pagesim: step %u %s = NULL\\n", ++pagesim_step, op);
}

static void __maybe_unused pagesim_int(const char *op, long value)
{
	pr_info("pagesim: step %u %s = %ld\\n", ++pagesim_step, op, value);
}

static void __maybe_unused pagesim_bool(const char *op, bool value)
{
	pr_info("pagesim: step %u %s = %s\\n", ++pagesim_step, op,
		value ? "true" : "false");
}`;

export const BASE_HEADERS = ['kunit/test.h', 'linux/gfp.h', 'linux/mm.h', 'linux/page_ref.h', 'linux/rcupdate.h', 'linux/delay.h', 'linux/slab.h', 'linux/vmstat.h'];

export const HELPERS: Readonly<Record<string, HelperGroup>> = {
  folio_page: {
    headers: [],
    code: `static __maybe_unused struct page *pagesim_folio_page(struct folio *folio)
{
	return folio ? &folio->page : NULL;
}`,
  },
  mm: {
    headers: ['linux/kthread.h', 'linux/mman.h', 'linux/sched/mm.h', 'linux/sched/signal.h'],
    code: `/* Steps on an mm run with it as the test thread's mm, as a task in that mm would. */
static __maybe_unused void pagesim_use_mm(struct mm_struct *mm)
{
	if (current->mm == mm)
		return;
	if (current->mm)
		kthread_unuse_mm(current->mm);
	kthread_use_mm(mm);
}

static __maybe_unused struct mm_struct *pagesim_mm_alloc(void)
{
	struct mm_struct *mm = mm_alloc();

	if (!mm)
		return NULL;
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	pagesim_use_mm(mm);
	return mm;
}

static __maybe_unused unsigned long pagesim_mmap(struct mm_struct *mm, unsigned long addr,
				  unsigned long len)
{
	pagesim_use_mm(mm);
	return vm_mmap(NULL, addr, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
}

static __maybe_unused long pagesim_munmap(struct mm_struct *mm, unsigned long addr,
			   unsigned long len)
{
	pagesim_use_mm(mm);
	return vm_munmap(addr, len);
}

static long __maybe_unused pagesim_madvise(struct mm_struct *mm,
					   unsigned long addr,
					   unsigned long len, int advice)
{
	pagesim_use_mm(mm);
	return do_madvise(mm, addr, len, advice);
}

static __maybe_unused long pagesim_fault(struct mm_struct *mm, unsigned long address,
			  bool write)
{
	struct vm_area_struct *vma;
	vm_fault_t ret = VM_FAULT_SIGSEGV;

	pagesim_use_mm(mm);
	mmap_read_lock(mm);
	vma = vma_lookup(mm, address);
	if (vma)
		ret = handle_mm_fault(vma, address,
				      write ? FAULT_FLAG_WRITE : 0, NULL);
	mmap_read_unlock(mm);
	return ret;
}

static __maybe_unused void pagesim_mmput(struct mm_struct *mm)
{
	if (current->mm == mm)
		kthread_unuse_mm(mm);
	mmput(mm);
}`,
  },
  thp: {
    headers: ['linux/khugepaged.h'],
    code: `/*
 * The split range is then a PTE table full of one THP's pages, which
 * khugepaged (scanning this mm since its THP fault) may collapse back into
 * a huge PMD whenever it wakes, so that what the next steps meet would
 * depend on time. The VMA is marked VM_NOHUGEPAGE first, as
 * MADV_NOHUGEPAGE would mark it, under the mmap lock held for writing:
 * khugepaged's scan skips such a VMA and collapse_huge_page() revalidates
 * it under the same lock (hugepage_vma_revalidate(), mm/khugepaged.c in
 * 6.12). Nothing else the steps do looks at the flag: the PMD is no longer
 * none, so no fault there tries a THP.
 */
static void __maybe_unused pagesim_split_huge_pmd(struct mm_struct *mm,
						  unsigned long address)
{
	struct vm_area_struct *vma;

	pagesim_use_mm(mm);
	mmap_write_lock(mm);
	vma = vma_lookup(mm, address);
	if (vma) {
		vm_flags_set(vma, VM_NOHUGEPAGE);
		split_huge_pmd_address(vma, address & HPAGE_PMD_MASK, false, NULL);
	}
	mmap_write_unlock(mm);
}

static long __maybe_unused pagesim_collapse_pte_mapped_thp(struct mm_struct *mm,
							   unsigned long addr)
{
	long ret;

	pagesim_use_mm(mm);
	mmap_read_lock(mm);
	ret = collapse_pte_mapped_thp(mm, addr, false);
	mmap_read_unlock(mm);
	return ret;
}`,
  },
  device: {
    headers: ['linux/anon_inodes.h', 'linux/file.h'],
    code: `/*
 * A driver's file that hands out kernel pages with vm_insert_page(s), as an
 * io_uring ring or a device buffer does: its mmap sets no ->fault.
 */
static const struct vm_operations_struct pagesim_device_vm_ops = {};

static int pagesim_device_mmap(struct file *file, struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &pagesim_device_vm_ops;
	return 0;
}

static const struct file_operations pagesim_device_fops = {
	.mmap = pagesim_device_mmap,
};

static __maybe_unused unsigned long pagesim_mmap_device(struct mm_struct *mm,
							unsigned long addr,
							unsigned long len)
{
	struct file *file;
	unsigned long ret;

	pagesim_use_mm(mm);
	file = anon_inode_getfile("[pagesim-device]", &pagesim_device_fops,
				  NULL, O_RDWR);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = vm_mmap(file, addr, len, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	fput(file);
	return ret;
}

/* vm_insert_page() may set VM_MIXEDMAP, which wants the mmap lock for writing. */
static __maybe_unused long pagesim_vm_insert_page(struct mm_struct *mm,
						  unsigned long addr,
						  struct page *page)
{
	struct vm_area_struct *vma;
	long ret = -EFAULT;

	pagesim_use_mm(mm);
	mmap_write_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma)
		ret = vm_insert_page(vma, addr, page);
	mmap_write_unlock(mm);
	return ret;
}

#define PAGESIM_INSERT_PAGES 512

static __maybe_unused long pagesim_vm_insert_pages(struct mm_struct *mm,
						   unsigned long addr,
						   struct page *page,
						   unsigned long num)
{
	static struct page *pages[PAGESIM_INSERT_PAGES];
	struct vm_area_struct *vma;
	long ret = -EFAULT;
	unsigned long i;

	if (num > PAGESIM_INSERT_PAGES)
		return -EINVAL;
	for (i = 0; i < num; i++)
		pages[i] = page + i;
	pagesim_use_mm(mm);
	mmap_write_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma)
		ret = vm_insert_pages(vma, addr, pages, &num);
	mmap_write_unlock(mm);
	return ret;
}`,
  },
  gup: {
    headers: [],
    code: `static __maybe_unused struct page *pagesim_get_user_page(struct mm_struct *mm,
							unsigned long addr,
							unsigned int gup_flags)
{
	struct vm_area_struct *vma;
	struct page *page;

	pagesim_use_mm(mm);
	mmap_read_lock(mm);
	page = get_user_page_vma_remote(mm, addr, gup_flags, &vma);
	mmap_read_unlock(mm);
	return IS_ERR(page) ? NULL : page;
}

#define PAGESIM_PINS 16
#define PAGESIM_PIN_PAGES 512

/* The pages each pin_user_pages step pinned, for the unpin step that releases them. */
static struct pagesim_pin {
	unsigned long start;
	long nr;
	struct page *pages[PAGESIM_PIN_PAGES];
} pagesim_pins[PAGESIM_PINS];

static long __maybe_unused pagesim_pin(struct mm_struct *mm, unsigned long start,
				       long nr, unsigned int gup_flags)
{
	struct pagesim_pin *pin = NULL;
	long ret;
	int i;

	for (i = 0; i < PAGESIM_PINS && !pin; i++)
		if (!pagesim_pins[i].nr)
			pin = &pagesim_pins[i];
	if (!pin || nr > PAGESIM_PIN_PAGES)
		return -ENOMEM;
	pagesim_use_mm(mm);
	mmap_read_lock(mm);
	ret = pin_user_pages_remote(mm, start, nr, gup_flags, pin->pages, NULL);
	mmap_read_unlock(mm);
	if (ret > 0) {
		pin->start = start;
		pin->nr = ret;
	}
	return ret;
}

static void __maybe_unused pagesim_unpin(struct mm_struct *mm, unsigned long start,
					 long nr)
{
	int i;

	for (i = 0; i < PAGESIM_PINS; i++) {
		struct pagesim_pin *pin = &pagesim_pins[i];

		if (pin->nr && pin->start == start) {
			unpin_user_pages(pin->pages, min(nr, pin->nr));
			pin->nr = 0;
			return;
		}
	}
}

/* get_user_pages() keeps its references, as the scenario does: the pages are not put. */
static long __maybe_unused pagesim_get_user_pages(struct mm_struct *mm,
						  unsigned long start, long nr,
						  unsigned int gup_flags)
{
	static struct page *pages[PAGESIM_PIN_PAGES];
	long ret;

	if (nr > PAGESIM_PIN_PAGES)
		return -ENOMEM;
	pagesim_use_mm(mm);
	mmap_read_lock(mm);
	ret = get_user_pages_remote(mm, start, nr, gup_flags, pages, NULL);
	mmap_read_unlock(mm);
	return ret;
}

static long __maybe_unused pagesim_folio_pincount(struct page *page)
{
	struct folio *folio = page_folio(page);

	return folio_test_large(folio) ? atomic_read(&folio->_pincount) : 0;
}`,
  },
  nodestat: {
    headers: [],
    code: `/*
 * global_node_page_state() reads the node's counter alone, not what the
 * CPUs hold below stat_threshold (pagesim's linux-6.12 variant reads it the
 * same way). The vmstat worker folds those per-CPU deltas into the counter
 * (mm/vmstat.c: vmstat_shepherd() queues vmstat_update() for a CPU with
 * deltas every sysctl_stat_interval, a second), at a moment that has
 * nothing to do with the test, so a read after a change of a few pages
 * would see it or not by chance. The suite's init sets the interval to an
 * hour, as sysctl vm.stat_interval=3600 would, and sleeps while the work
 * already queued for the old interval runs a last time (folding what came
 * before the test); nothing folds the deltas then until the test ends,
 * and the reads depend on the steps alone. The exit puts the interval back.
 * A suite that reads zone counters (read whole, which no fold changes) has
 * the same init for its sleep: the suites start under 2 s after boot, and
 * the work boot leaves still moves the free page count then (a kernel
 * thread started in the first 200 ms of a test took 4 pages).
 */
static int pagesim_vmstat_interval;

static int pagesim_vmstat_hold(struct kunit *test)
{
	pagesim_vmstat_interval = READ_ONCE(sysctl_stat_interval);
	WRITE_ONCE(sysctl_stat_interval, 3600 * HZ);
	msleep(3000);
	return 0;
}

static void pagesim_vmstat_release(struct kunit *test)
{
	WRITE_ONCE(sysctl_stat_interval, pagesim_vmstat_interval);
}`,
  },
  zonestat: {
    headers: ['linux/mmzone.h'],
    code: `/*
 * A zone counter as it stands: the global value plus every online CPU's
 * pending delta (zone_page_state_snapshot() over the populated zones).
 * global_zone_page_state() alone lags by up to stat_threshold pages per
 * CPU until the once-a-second vmstat worker folds them, so two boots of the
 * same test read different values; pagesim keeps zone counters exact.
 */
static __maybe_unused long pagesim_zone_page_state_exact(enum zone_stat_item item)
{
	struct zone *zone;
	long sum = 0;

	for_each_populated_zone(zone)
		sum += zone_page_state_snapshot(zone, item);
	return sum;
}`,
  },
  page_pool: {
    headers: ['kunit/device.h', 'linux/dma-mapping.h', 'net/page_pool/helpers.h', 'net/page_pool/types.h'],
    code: `/*
 * A pool as a driver without an IOMMU has one: its device (a KUnit device
 * with a 64-bit DMA mask) maps pages with dma-direct at their physical address.
 */
static struct page_pool *pagesim_page_pool_create(struct kunit *test,
						  unsigned int order,
						  unsigned int pool_size,
						  int nid, unsigned int flags)
{
	struct page_pool_params pp = {
		.order = order,
		.pool_size = pool_size,
		.nid = nid,
		.flags = flags,
		.dma_dir = DMA_FROM_DEVICE,
	};
	static unsigned int nr_devices;
	struct page_pool *pool;
	struct device *dev;
	char name[32];

	snprintf(name, sizeof(name), "pagesim-page-pool%u", nr_devices++);
	dev = kunit_device_register(test, name);
	if (IS_ERR(dev))
		return NULL;
	dev->dma_mask = &dev->coherent_dma_mask;
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64)))
		return NULL;
	pp.dev = dev;
	pool = page_pool_create(&pp);
	return IS_ERR(pool) ? NULL : pool;
}

static long __maybe_unused pagesim_page_pool_stat(struct page_pool *pool, size_t offset)
{
	struct page_pool_stats stats = {};

	page_pool_get_stats(pool, &stats);
	return *(u64 *)((char *)&stats + offset);
}

/* page_pool_inflight() is static in net/core/page_pool.c: the same difference. */
static long __maybe_unused pagesim_page_pool_inflight(struct page_pool *pool)
{
	s32 inflight = (s32)(READ_ONCE(pool->pages_state_hold_cnt) -
			     atomic_read(&pool->pages_state_release_cnt));

	return inflight < 0 ? 0 : inflight;
}`,
  },
};
