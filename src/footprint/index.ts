/**
 * Descriptor memory a machine's page population needs under today's struct
 * page and the memdesc designs, from its /proc/kpageflags.
 */

export { PAGE_KINDS, classify, kindOf, type PageKind, type KindCount, type Population } from './classify.js';
export { DESIGNS, DESIGN_NAMES, DESCRIPTOR_BYTES, KINDS_WITH_DESCRIPTORS, designCost, descriptorBytes, descriptorCount, type Design, type DesignCost, type DesignName, type DescriptorSizes } from './designs.js';
export { footprint, formatFootprint, footprintJson, ASSUMPTIONS, type FootprintReport } from './report.js';
