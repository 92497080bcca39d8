import type { ExportFilter } from '#shared/sources/graph/request.ts';
import { type PropertyGraph, v } from './property-graph.ts';

/**
 * The local stack's sample property graph: customers place orders that contain products, review
 * products and know each other. It covers every loader type, multi-valued properties (a customer's
 * emails, a product's tags), a property whose values have different types (a product's rating:
 * Int, Double and String, which the export writes as Any), Unicode in ids, labels' values and
 * strings, commas and quotes in strings, and missing values.
 */
export const SAMPLE_GRAPH: PropertyGraph = {
  vertices: [
    {
      id: 'c-1',
      labels: ['customer'],
      properties: {
        name: v.string('Zoë Ångström'),
        emails: [v.string('zoe@example.com'), v.string('zoe.a@example.org')],
        age: v.int(34),
        vip: v.bool(true),
        since: v.date('2019-03-14'),
        balance: v.double(1250.75),
        score: v.float(0.5),
      },
    },
    {
      id: 'c-2',
      labels: ['customer'],
      properties: {
        name: v.string('李小龍'),
        emails: [v.string('lee@example.cn')],
        age: v.int(27),
        vip: v.bool(false),
        since: v.date('2021-11-02'),
        balance: v.double(-3.5),
        score: v.float(3.14),
      },
    },
    {
      id: 'c-3',
      labels: ['customer'],
      // No emails, no age, no score: missing values.
      properties: {
        name: v.string('Ömer "Rocket" Şahin 🚀'),
        vip: v.bool(false),
        since: v.date('2024-01-01'),
      },
    },
    {
      id: 'c-ü',
      labels: ['customer'],
      properties: { name: v.string('Ünal, Team Lead'), emails: [], age: v.int(51), balance: v.double(0) },
    },
    {
      id: 'p-1',
      labels: ['product'],
      properties: {
        title: v.string('Widget'),
        price: v.double(9.99),
        tags: [v.string('tools'), v.string('metal')],
        rating: v.int(4),
        stock: v.long(9_223_372_036_854_775_807n),
        weightGrams: v.short(-32_768),
        sizeCode: v.byte(127),
      },
    },
    {
      id: 'p-2',
      labels: ['product'],
      properties: {
        title: v.string('Gadget'),
        price: v.double(24.5),
        tags: [v.string('electronics')],
        rating: v.double(4.5),
        stock: v.long(0n),
        weightGrams: v.short(250),
        sizeCode: v.byte(-128),
      },
    },
    {
      id: 'p-3',
      labels: ['product'],
      properties: { title: v.string('Gizmo ✨'), price: v.double(5), rating: v.string('unrated') },
    },
    ...['o-1', 'o-2', 'o-3', 'o-4', 'o-5'].map((id, i) => ({
      id,
      labels: ['order'],
      properties: {
        placedAt: v.dateTime(`2024-05-0${i + 1}T10:15:30.250Z`),
        status: v.string(i === 4 ? 'cancelled' : 'paid'),
        total: v.double([19.98, 24.5, 5, 34.49, 9.99][i] ?? 0),
      },
    })),
  ],
  edges: [
    { id: 'e-1', label: 'placed', from: 'c-1', to: 'o-1', properties: { channel: v.string('web') } },
    { id: 'e-2', label: 'placed', from: 'c-1', to: 'o-2', properties: { channel: v.string('app') } },
    { id: 'e-3', label: 'placed', from: 'c-2', to: 'o-3', properties: { channel: v.string('web') } },
    { id: 'e-4', label: 'placed', from: 'c-1', to: 'o-4', properties: {} },
    { id: 'e-5', label: 'placed', from: 'c-ü', to: 'o-5', properties: { channel: v.string('phone') } },
    { id: 'e-6', label: 'contains', from: 'o-1', to: 'p-1', properties: { quantity: v.int(2) } },
    { id: 'e-7', label: 'contains', from: 'o-2', to: 'p-2', properties: { quantity: v.int(1) } },
    { id: 'e-8', label: 'contains', from: 'o-3', to: 'p-3', properties: { quantity: v.int(1) } },
    { id: 'e-9', label: 'contains', from: 'o-4', to: 'p-2', properties: { quantity: v.int(1) } },
    { id: 'e-10', label: 'contains', from: 'o-4', to: 'p-1', properties: { quantity: v.int(1) } },
    { id: 'e-11', label: 'contains', from: 'o-5', to: 'p-1', properties: { quantity: v.int(1) } },
    {
      id: 'e-12',
      label: 'reviewed',
      from: 'c-2',
      to: 'p-3',
      properties: {
        stars: v.byte(5),
        text: v.string('Great, "really" great — 很好'),
        at: v.dateTime('2024-05-04T08:00:00Z'),
      },
    },
    { id: 'e-13', label: 'reviewed', from: 'c-3', to: 'p-1', properties: { stars: v.byte(2) } },
    { id: 'e-14', label: 'knows', from: 'c-1', to: 'c-2', properties: { since: v.date('2020-06-30') } },
  ],
};

/** What the sample answers in SQL: each customer's number of orders (through the `placed` edges). */
export const ORDERS_PER_CUSTOMER: Readonly<Record<string, number>> = {
  'Zoë Ångström': 3,
  李小龍: 1,
  'Ömer "Rocket" Şahin 🚀': 0,
  'Ünal, Team Lead': 1,
};

/**
 * The export filter the local policy gives the sample graph (local/export-policy.yml, rules
 * local-graphs and local-graphs-csv): every label and property, the multi-valued ones TO_LIST.
 */
export const SAMPLE_EXPORT_FILTER: ExportFilter = {
  vertexFilter: {
    customer: {
      properties: {
        name: {},
        emails: { multiValueHandling: 'TO_LIST' },
        age: {},
        vip: {},
        since: {},
        balance: {},
        score: {},
      },
    },
    product: {
      properties: {
        title: {},
        price: {},
        tags: { multiValueHandling: 'TO_LIST' },
        rating: {},
        stock: {},
        weightGrams: {},
        sizeCode: {},
      },
    },
    order: { properties: { placedAt: {}, status: {}, total: {} } },
  },
};
