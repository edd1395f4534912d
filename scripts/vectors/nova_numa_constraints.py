# Generates test/vectors/nova_numa_constraints.json by running Nova's own code (Debian
# python3-nova, Zed, e.g. in ../shared/live-openstack's chroot):
#   chroot $LIVEOS_ROOT python3 /path/to/nova_numa_constraints.py > nova_numa_constraints.json
# For each flavor extra_specs / image properties pair: does the server get a NUMA topology
# (nova.virt.hardware.numa_get_constraints), with how many cells, and which PCI NUMA affinity
# policy the flavor/image ask for (get_pci_numa_policy_constraint), or the exception Nova raises.
import itertools
import json

from nova import objects
objects.register_all()
from nova.virt import hardware  # noqa: E402

FLAVOR_SPECS = [
    {},
    {'hw:cpu_policy': 'dedicated'},
    {'hw:cpu_policy': 'shared'},
    {'hw:cpu_policy': 'mixed', 'hw:cpu_dedicated_mask': '^0'},
    {'hw:mem_page_size': 'large'},
    {'hw:mem_page_size': 'small'},
    {'hw:mem_page_size': 'any'},
    {'hw:mem_page_size': '2048'},
    {'hw:numa_nodes': '1'},
    {'hw:numa_nodes': '2'},
    {'hw:numa_nodes': '0'},
    {'resources:PCPU': '2'},
    {'resources:VCPU': '2'},
    {'hw:cpu_policy': 'dedicated', 'hw:pci_numa_affinity_policy': 'preferred'},
    {'hw:pci_numa_affinity_policy': 'socket'},
    {'hw:pci_numa_affinity_policy': 'required'},
    {'hw:pci_numa_affinity_policy': 'strict'},
    {'hw:cpu_policy': 'dedicated', 'hw:cpu_thread_policy': 'prefer'},
    {'hw:cpu_thread_policy': 'prefer'},
    {'hw:cpu_policy': 'bogus'},
    {'hw:pmem': '4GB'},
]
IMAGE_PROPS = [
    {},
    {'hw_cpu_policy': 'dedicated'},
    {'hw_cpu_policy': 'shared'},
    {'hw_mem_page_size': 'large'},
    {'hw_numa_nodes': 1},
    {'hw_pci_numa_affinity_policy': 'preferred'},
    {'hw_pci_numa_affinity_policy': 'socket'},
]


def outcome(fn):
    try:
        return {'value': fn(), 'error': None}
    except Exception as e:  # what Nova raises is part of the expectation
        return {'value': None, 'error': {'class': type(e).__name__, 'message': str(e)}}


vectors = []
for i, (specs, props) in enumerate(itertools.product(FLAVOR_SPECS, IMAGE_PROPS)):
    if 'hw:pmem' in specs:
        # vPMEM needs the flavor's memory laid out over pmem namespaces; its NUMA topology
        # follows the same branch as hw:numa_nodes, tested with a plain image only.
        if props:
            continue
    flavor = objects.Flavor(vcpus=2, memory_mb=2048, extra_specs=dict(specs))
    image = objects.ImageMeta.from_dict({'properties': dict(props)})

    def topology():
        t = hardware.numa_get_constraints(flavor, image)
        return None if t is None else {'cells': len(t.cells)}

    vectors.append({
        'id': 'numa_constraints.%03d' % i,
        'flavor_extra_specs': specs,
        'image_properties': props,
        'numa_topology': outcome(topology),
        'pci_numa_policy': outcome(lambda: hardware.get_pci_numa_policy_constraint(flavor, image)),
    })

print(json.dumps({
    'source': 'unmodified nova/virt/hardware.py (Debian python3-nova, Zed): numa_get_constraints, '
              'get_pci_numa_policy_constraint; flavor vcpus=2, memory_mb=2048',
    'vectors': vectors,
}, indent=1, sort_keys=True))
