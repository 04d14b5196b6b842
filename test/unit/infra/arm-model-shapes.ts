// The wire shape of an ARM resource body, read from Microsoft's generated SDKs instead of written by
// hand: which property names exist at each level and what nests under them. Two SDK generations:
// - TypeSpec-generated packages (@azure/arm-appservice 19, -storage 20, -keyvault 5, -monitor 8) have
//   one `<model>Serializer(item)` per model returning exactly the wire names. We run it on a recording
//   stand-in for `item` (every property present, every array one element long, every record one
//   key `*`) and read the shape off what it returns.
// - AutoRest packages (@azure/arm-network, -msi, -operationalinsights, -appinsights, -authorization)
//   export `Mappers`: `modelProperties` whose `serializedName` is the wire path ('properties.x' is x
//   under properties), with `type.name` Composite / Sequence / Dictionary / scalar.

export type Shape =
  /** Free-form or not known in detail (an `Object` mapper, a value the serializer passes through). */
  | { kind: 'any' }
  | { kind: 'scalar'; type: string }
  | { kind: 'array'; items: Shape }
  | { kind: 'object'; props: () => ReadonlyMap<string, Property>; additional: () => Shape | null };

export interface Property {
  shape: Shape;
  readOnly: boolean;
}

const ANY: Shape = { kind: 'any' };
/** Below this depth a recursive model (an error's `details: Error[]`) stops being unfolded. */
const MAX_DEPTH = 14;

// ---------------------------------------------------------------------------------------------
// TypeSpec serializers

const recorded = new WeakSet<object>();

function recorder(depth: number): unknown {
  const child = () => (depth >= MAX_DEPTH ? undefined : recorder(depth + 1));
  const target = () => {};
  const proxy: object = new Proxy(target, {
    get(_t, key) {
      if (key === 'then') return undefined; // not a promise
      if (key === Symbol.toPrimitive) return () => '';
      if (key === Symbol.iterator)
        return function* () {
          yield child();
        };
      if (key === 'map' || key === 'flatMap')
        return (fn: (v: unknown, i: number) => unknown) => [fn(child(), 0)];
      if (key === 'forEach') return (fn: (v: unknown, i: number) => void) => fn(child(), 0);
      if (key === 'length') return 1;
      return child();
    },
    apply: () => child(),
    has: () => true,
    ownKeys: () => ['*'],
    getOwnPropertyDescriptor: () => ({
      value: child(),
      enumerable: true,
      configurable: true,
      writable: true,
    }),
  });
  recorded.add(proxy);
  return proxy;
}

function shapeOfValue(value: unknown): Shape {
  if (value === undefined || value === null || typeof value !== 'object' || recorded.has(value as object)) {
    return ANY;
  }
  if (Array.isArray(value)) return { kind: 'array', items: value.length > 0 ? shapeOfValue(value[0]) : ANY };
  const entries = Object.entries(value as Record<string, unknown>);
  const props = new Map<string, Property>();
  let additional: Shape | null = null;
  for (const [key, v] of entries) {
    if (key === '*') additional = shapeOfValue(v);
    else props.set(key, { shape: shapeOfValue(v), readOnly: false });
  }
  return { kind: 'object', props: () => props, additional: () => additional };
}

/** The wire shape a TypeSpec `<model>Serializer` writes. */
export function shapeFromSerializer(serializer: (item: unknown) => unknown): Shape {
  return shapeOfValue(serializer(recorder(0)));
}

// ---------------------------------------------------------------------------------------------
// AutoRest mappers

interface MapperType {
  name: string;
  className?: string;
  modelProperties?: Record<string, Mapper>;
  element?: Mapper;
  value?: Mapper;
  uberParent?: string;
  polymorphicDiscriminator?: unknown;
}
export interface Mapper {
  serializedName?: string;
  readOnly?: boolean;
  type: MapperType;
}

/** `properties.a\.b` → ['properties', 'a.b'] (AutoRest escapes dots that belong to a name). */
function wirePath(serializedName: string): string[] {
  return serializedName.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, '.'));
}

/** The wire shape of the AutoRest model `className`, unfolded lazily (models refer to each other). */
export function shapeFromMappers(mappers: Record<string, unknown>, className: string): Shape {
  const cache = new Map<string, Shape>();
  const composite = (name: string): Shape => {
    const hit = cache.get(name);
    if (hit) return hit;
    let props: Map<string, Property> | null = null;
    const shape: Shape = {
      kind: 'object',
      props: () => {
        props ??= buildProps(name);
        return props;
      },
      additional: () => null,
    };
    cache.set(name, shape);
    return shape;
  };
  const mapperShape = (m: Mapper): Shape => {
    switch (m.type.name) {
      case 'Composite':
        return composite(m.type.className!);
      case 'Sequence':
        return { kind: 'array', items: m.type.element ? mapperShape(m.type.element) : ANY };
      case 'Dictionary': {
        const value = m.type.value ? mapperShape(m.type.value) : ANY;
        return { kind: 'object', props: () => new Map(), additional: () => value };
      }
      case 'Object':
        return ANY;
      default:
        return { kind: 'scalar', type: m.type.name };
    }
  };
  const buildProps = (name: string): Map<string, Property> => {
    const mapper = mappers[name] as Mapper | undefined;
    if (!mapper) throw new Error(`no mapper ${name}`);
    // Polymorphic bases: every subtype's properties are allowed (the discriminator picks one on the wire).
    const own = [
      mapper,
      ...Object.values(mappers).filter((m) => (m as Mapper)?.type?.uberParent === name),
    ] as Mapper[];
    const root = new Map<string, Property>();
    for (const m of own) {
      for (const prop of Object.values(m.type.modelProperties ?? {})) {
        if (!prop.serializedName) continue;
        const path = wirePath(prop.serializedName);
        let level = root;
        for (const segment of path.slice(0, -1)) {
          // Flattened: 'properties.x' means an object `properties` holding x.
          let next = level.get(segment);
          if (next?.shape.kind !== 'object') {
            const inner = new Map<string, Property>();
            next = { shape: { kind: 'object', props: () => inner, additional: () => null }, readOnly: false };
            level.set(segment, next);
          }
          level = next.shape.kind === 'object' ? (next.shape.props() as Map<string, Property>) : level;
        }
        level.set(path.at(-1)!, { shape: mapperShape(prop), readOnly: prop.readOnly === true });
      }
    }
    return root;
  };
  return composite(className);
}
